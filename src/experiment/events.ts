import type { EmbeddedKafka } from "../kafka/embedded";
import type { CollectorCost, ConfigurationRecord, Manifest, ProfileRecord, RepRecord, RunState } from "../results/model";
import type { LatencyName, RepRow, SeriesRow, SummaryRow } from "../results/rows";
import type { Configuration } from "../spec";
import type { RepPlan } from "./plan";
import type { HandedIn } from "./role-set";

/** Where a run is, for progress displays (emitted about four times a second while a repetition runs). */
export interface ProgressState {
  configIndex: number;
  configCount: number;
  configLabel: string;
  rep: number;
  repCount: number;
  repKind: string;
  stage: string;
  acked: number;
  /** Messages expected in this repetition (null with a duration). */
  expected: number | null;
  /** Receipts of every consumer. */
  received: number;
  /** Acked messages per second over the last second. */
  rateMsgsPerSec: number;
  doneReps: number;
  totalReps: number;
}

/**
 * The events an experiment run emits, in order: run:start, then per configuration configuration:start,
 * per repetition repetition:start, repetition:progress (often), repetition:end, then configuration:end;
 * finally run:end — always, also after a failure or an interrupt. The results writer, progress displays,
 * the report writer and notebooks subscribe to them; the engine imports none of them.
 */
export interface RunEvents {
  /** Kafka is resolved and reachable; the run directory is about to be written. */
  "run:start": { manifest: Manifest; runDir: string; profilesDir: string; totalReps: number; cluster: EmbeddedKafka | null };
  "configuration:start": { config: Configuration; index: number; count: number };
  "repetition:start": { configId: string; label: string; plan: RepPlan; repCount: number };
  "repetition:progress": ProgressState;
  "repetition:end": {
    record: RepRecord;
    row: RepRow;
    series: SeriesRow[];
    /** What each role handed in; profile files are among the attachments (`profile.<kind>`). */
    handedIn: HandedIn[];
    /** Receipt journals of consumers that handed in no result. */
    orphanReceipts: Record<string, Buffer>;
    /** The line a progress display prints for it. */
    line: string;
  };
  /** Pooled latency histograms of a configuration's warm repetitions, as they grow. */
  "configuration:histograms": { configId: string; pooled: Record<LatencyName, string> };
  "configuration:profiles": { records: ProfileRecord[] };
  "configuration:end": { configId: string; collectorCost: CollectorCost[] };
  "run:end": { state: RunState; error: string | null; repetitions: RepRow[]; summaries: SummaryRow[]; configurations: ConfigurationRecord[] };
  /** Something the user should read (shown even without a progress display). */
  warning: { message: string };
  /** A line of information (e.g. "starting embedded Kafka …"). */
  log: { message: string };
}
