export { runExperiment, newRunId, planRepetitions, type RunOptions, type RunResult } from "./runner";
export { validateSpec, loadSpec, applySets, applyQuick, readSpecFile, matrixPoints, matrixLabels, SpecError, type Configuration, type ValidatedSpec, type SpecIssue } from "./validate";
export { SpecSchema, MATRIX_KEYS, type ExperimentSpec, type SpecInput, type Fault, type ProfileSpec } from "./spec";
export { REP_METRICS, LATENCY_HISTOGRAMS, accountMessages, repRow, summarize, warmRows, type RepRow, type SummaryRow, type Accounting, type MetricDef, type RepKind, type LatencyName } from "./aggregate";
export { toCsv, parseCsv, type Manifest, type RunState, type RepRecord } from "./store";
export { createProgressReporter, progressLine, inTslab, type ProgressReporter, type ProgressState, type ProgressOption } from "./progress";
