import type { ChildConnection } from "../kafka/connection";
import type { Acks } from "../workload/producer";
import type { Compression } from "../workload/codecs";
import type { CommitStrategy, ConsumeMode } from "../workload/consumer";
import type { KeyStrategy, PayloadKind } from "../workload/payload";

/** Everything a role process needs to know, written by the runner as JSON (no secrets: those come by env). */
export interface RoleConfig {
  roleId: string;
  kind: "producer" | "consumer";
  index: number;
  runId: string;
  configId: string;
  controlSocket: string;
  connection: ChildConnection;
  workload: RoleWorkload;
  producer: ProducerRoleSettings | null;
  consumer: ConsumerRoleSettings | null;
  recordRaw: boolean;
  /** Time-series bucket length, ms. */
  seriesIntervalMs: number;
  /** Scratch folder of this role (created by the runner). */
  workDir: string;
  /** kafkajs log lines of this role. */
  kafkajsLogFile: string;
}

export interface RoleWorkload {
  /** Messages per producer, or null with a duration. */
  messages: number | null;
  durationSec: number | null;
  messageSize: number;
  payload: PayloadKind;
  /** Target rate per producer, msgs/s; 0 = as fast as possible. */
  rate: number;
  keys: KeyStrategy;
  keyCount: number;
  seed: number;
}

export interface ProducerRoleSettings {
  acks: Acks;
  compression: Compression;
  idempotent: boolean;
  maxInFlightRequests: number | null;
  batchSize: number;
  batchBytes: number;
  lingerMs: number;
  maxBufferedMessages: number | null;
  idCarrier: "header" | "trailer";
  /** Absolute path of the user's source module, or null for synthetic messages. */
  source: string | null;
  /** Absolute path of a whole user script run as this role. */
  script: string | null;
}

export interface ConsumerRoleSettings {
  mode: ConsumeMode;
  processing: { kind: "none" | "cpu" | "sleep"; cpuUs: number; sleepMs: number };
  handler: string | null;
  script: string | null;
  commit: CommitStrategy;
  flushIntervalMs: number;
  autoCommitIntervalMs: number;
  onError: "continue" | "stop";
}

/** One role's measurements for one repetition, as written to `raw/<config>/rep-<n>/<roleId>.json`. */
export interface RoleRepResult {
  version: 1;
  roleId: string;
  kind: "producer" | "consumer";
  index: number;
  pid: number;
  configId: string;
  rep: number;
  repKind: string;
  /** "killed": the process was killed on purpose (a fault); its receipts come from its journal. */
  state: "completed" | "errored" | "killed";
  error: { code: string; message: string } | null;
  producers: import("../workload/metrics").ProducerSnapshot[];
  consumers: import("../workload/metrics").ConsumerSnapshot[];
  process: ProcessStats;
  profile: { files: Record<string, string>; errors: string[] } | null;
}

export interface ProcessStats {
  cpuUserMs: number;
  cpuSystemMs: number;
  maxRssBytes: number;
  maxHeapUsedBytes: number;
  eventLoopDelayMs: { mean: number; p50: number; p99: number; max: number };
  series: import("../metrics").SeriesData;
}
