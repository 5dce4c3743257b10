/**
 * `runExperiment`: an experiment run with the subscribers a user expects — the results writer (always),
 * a progress display (terminal bar, notebook line or plain lines) and the HTML report at the end. The
 * engine itself (experiment/engine.ts) knows none of them; other subscribers can be added with `subscribe`.
 */
import { ExperimentRun, type EngineOptions, type RunEvents, type RunResult } from "../experiment";
import { attachProgress, createProgressReporter, inTslab, type ProgressOption } from "../progress";
import { attachReportWriter } from "../report/subscriber";
import { reportInterruptsOf } from "./tslab-interrupt";
import type { SpecInput, ValidatedSpec } from "../spec";
import type { EventBus } from "../util/events";

export interface RunOptions extends EngineOptions {
  progress?: ProgressOption;
  /** Write report.html at the end (default true). */
  report?: boolean;
  /** More subscribers: called with the run's events before it starts; may return an unsubscribe function. */
  subscribe?: Array<(events: EventBus<RunEvents>) => void | (() => void)>;
}

export type { RunResult } from "../experiment";

/**
 * Run an experiment: every configuration of the matrix × its repetitions against real Kafka, each role
 * in its own process. Returns when done, failed or interrupted — never hangs (every wait has a timeout) —
 * with the run directory, which holds everything measured so far in every case. A bad spec throws a
 * SpecError naming the field; an unreachable cluster throws before anything is written.
 */
export async function runExperiment(spec: string | SpecInput | ValidatedSpec, opts: RunOptions = {}): Promise<RunResult> {
  const run = new ExperimentRun(spec, { ...opts, interruptOnSigint: opts.interruptOnSigint ?? inTslab() });
  const reporter = createProgressReporter(opts.progress);
  const detach = [attachProgress(run.events, reporter), opts.report === false ? () => undefined : attachReportWriter(run.events, (l) => reporter.warn(l))];
  for (const s of opts.subscribe ?? []) detach.push(s(run.events) ?? (() => undefined));
  if (inTslab()) detach.push(reportInterruptsOf(run.runDir));
  try {
    return await run.execute();
  } finally {
    for (const d of detach) d();
  }
}
