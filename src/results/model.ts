/**
 * The run directory's data model: what a run writes and every reader (analysis, report, viewer, profiling
 * tables, notebooks) reads. Pure types; file names are in files.ts, reading and writing in load.ts/writer.ts.
 */
import type { ExperimentSpec } from "../spec";
import type { Accounting } from "./accounting";
import type { IdCarrier } from "./role-result";

export type RunState = "running" | "completed" | "errored" | "interrupted";

/**
 * What a repetition is for. "warmup": run before the measured ones and left out of every statistic;
 * "measured": the repetitions statistics are made of; "profile", "calls", "flamegraph": collectors' own
 * repetitions, never timed.
 */
export type RepKind = "warmup" | "measured" | "profile" | "calls" | "flamegraph";

export type RepState = "completed" | "errored" | "interrupted";

export type FaultAction = ExperimentSpec["faults"][number]["action"];

/** A fault of the timeline as it happened. */
export interface FaultRecord {
  /** Planned time, seconds after the repetition's start. */
  at: number;
  action: FaultAction;
  target: string;
  /** When it actually happened, ms after the start (the action's completion for broker starts). */
  actualAtMs: number;
  ok: boolean;
  error?: string;
}

/** One repetition as the manifest records it. */
export interface RepRecord {
  configId: string;
  rep: number;
  kind: RepKind;
  state: RepState;
  error: string | null;
  topic: string;
  startedAt: string;
  durationMs: number;
  faults: FaultRecord[];
  /** Joining producer and consumer offset records into accounting and end-to-end latency, ms (after the repetition). */
  joinMs?: number;
  /**
   * With an id carrier (header, trailer) and acks 1/−1: the accounting the offset join gives for the same
   * repetition, and how many receipts' carried send times equal the ones the producer recorded at their
   * offsets — a self-check of both methods.
   */
  crossCheck?: { accounting: Accounting; collisions: number; e2e: { compared: number; mismatches: number; maxDiffUs: number } | null };
  /**
   * Offsets and content modes: when the lost messages were sent, ms since the repetition's start (at most
   * 10,000, in time order) — where the losses sit against the fault marks.
   */
  lostSendAtMs?: number[];
}

export interface ConfigurationRecord {
  id: string;
  label: string;
  params: Record<string, unknown>;
  /** How messages were identified (offsets, header, trailer, content). */
  idCarrier: IdCarrier;
  /** The Kafka client of the producers and of the consumers. */
  clients: { producers: string; consumers: string };
}

/** Profile files of one role in one repetition (paths are absolute). */
export interface ProfileRecord {
  configId: string;
  rep: number;
  kind: RepKind;
  roleId: string;
  files: Partial<Record<ProfileFileKind, string>>;
  errors: string[];
}

export type ProfileFileKind = "cpuprofile" | "calls" | "heapprofile" | "gc" | "sourcemap" | "flamegraph";

/** What a collector cost: throughput of its repetition against the warm measured mean of the same configuration. */
export interface CollectorCost {
  configId: string;
  rep: number;
  collector: string;
  produceMsgsPerSec: number | null;
  consumeMsgsPerSec: number | null;
  warmProduceMsgsPerSec: number | null;
  warmConsumeMsgsPerSec: number | null;
  produceRatio: number | null;
  consumeRatio: number | null;
}

/** Where and with what a run was measured. */
export interface Environment {
  lab: { name: string; version: string };
  node: string;
  v8: string;
  clients: Record<string, string>;
  kafka: string;
  os: string;
  cpu: { model: string; cores: number; speedMHz: number | null };
  memoryGiB: number;
  loadAverage: number[];
  git: { sha: string | null; dirty: boolean | null };
}

export interface Manifest {
  version: 2;
  runId: string;
  name: string;
  description: string | null;
  state: RunState;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
  specFile: string | null;
  sets: string[];
  quick: boolean;
  /** The validated spec with every default filled in. */
  spec: ExperimentSpec;
  configurations: ConfigurationRecord[];
  /** The Kafka cluster, as describeConnection() gives it (never a secret); null in a RabbitMQ run. */
  kafka: { kind: string; bootstrap: string[]; securityProtocol?: string; [k: string]: unknown } | null;
  /** The broker measured: which, where (never a credential) and its version when the lab knows it. */
  broker: { kind: "kafka" | "rabbitmq"; address: string; version: string | null };
  environment: Environment;
  warnings: string[];
  repetitions: RepRecord[];
  profiles: ProfileRecord[];
  collectorCost: CollectorCost[];
}
