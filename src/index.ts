/**
 * kafka-perf-lab: measure and explain the performance of Kafka producer and consumer applications.
 * This is the public face used by notebooks (`import { … } from "kafka-perf-lab"`) and user code.
 */
export * from "./errors";
export { workspaceRoot, stateDir, reportsDir, profilesDir, packageRoot } from "./paths";
export * from "./kafka";
export * from "./workload";
export * from "./experiment";
export * from "./metrics";
export { computeStatistics, compareSamples, madOutliers, quantileSorted, tCritical, type Statistics, type Comparison } from "./analysis/stats";
export * from "./profiling";
export * from "./report";
export * from "./viz";
export { loadRun, seriesOf, latencyOf, faultMarkers, configLabel, defaultRep, latencySampleColumns, type RunData, type LatencySampleColumns } from "./analysis/run-data";
export { runFrames, toDataFrame, columnsToDataFrame, latencySamplesFrame, functionFrame, danfojs, type RunFrames } from "./analysis/frames";
export { configurationSummary, runSummaryText, warningsFor, formatMs, meanPlusMinus, accountingLine } from "./analysis/summary-text";
