/**
 * What one role process measured in one repetition, as it hands it to the runner and as it is kept under
 * `raw/<config>/rep-<n>/<roleId>.json`. Histograms are HdrHistograms, encoded; id sets are deflated bitmaps.
 * Times named `…AtMs` are ms since the repetition's start (its origin); `…Us` are microseconds.
 */
import type { SeriesData } from "../metrics/series";

/**
 * How messages are identified for accounting and end-to-end latency: by their Kafka offsets (nothing
 * added to the messages), by the lab's 16-byte id header, by its id appended to the value, or — for a
 * producer script audited with `producerAudit()` — by their content (nothing added either).
 */
export type IdCarrier = "offsets" | "header" | "trailer" | "content";

/** Offset records handed in beside a snapshot (the binary is the `offsets` attachment). */
export interface OffsetRecordsInfo {
  count: number;
  columns: string[];
}

export interface ProducerSnapshot {
  kind: "producer";
  producerIndex: number;
  idCarrier: IdCarrier;
  counters: { sent: number; acked: number; failed: number; bytesSent: number; batches: number; maxRequestQueueSize: number };
  /** Publish loop of this producer: its first send() to its last ack, ms. */
  loopMs: number | null;
  firstSendAtMs: number | null;
  lastAckAtMs: number | null;
  histograms: Record<"sendLatencyUs" | "batchLatencyUs" | "intendedLatencyUs" | "sendDelayUs" | "requestLatencyUs", string>;
  series: SeriesData;
  /** Ids of this window: firstSeq … firstSeq+sent−1; `acked` is the deflated bitmap of acknowledged ids. */
  accounting: { producerIndex: number; firstSeq: number; sent: number; acked: string };
  /** (partition, offset, send time) of every acknowledged message; none with acks 0. */
  offsets: OffsetRecordsInfo;
  errors: Record<string, number>;
  raw: { sendLatencyUs: number[] } | null;
  /** The producer could not connect in this repetition (it sent nothing): why. */
  connectError?: string;
}

export interface ConsumerSnapshot {
  kind: "consumer";
  idCarrier: IdCarrier;
  counters: {
    /** Messages received (receipts: a message received twice counts twice). */
    received: number;
    bytesReceived: number;
    /** Receipts of an id this consumer had received before. */
    duplicatesSeen: number;
    /** Receipts without the lab's id. */
    untracked: number;
    processingErrors: number;
    commits: number;
    flushes: number;
    rebalances: number;
    maxRequestQueueSize: number;
  };
  /** Processing loop: first message received to last message processed, ms. */
  loopMs: number | null;
  firstReceiveAtMs: number | null;
  lastProcessedAtMs: number | null;
  groupJoinMs: number[];
  /** Next offset to process per "topic:partition". */
  positions: Record<string, number>;
  histograms: Record<"e2eLatencyUs" | "e2eCreateTimeUs" | "processingUs" | "requestLatencyUs", string>;
  series: SeriesData;
  /** Times each id was received, per producer index (deflated counts). */
  accounting: { received: Record<string, string>; untracked: number };
  /** (partition, offset, receive time[, carried send time]) of every receipt. */
  offsets: OffsetRecordsInfo;
  errors: Record<string, number>;
  raw: { e2eLatencyUs: number[] } | null;
}

export interface ProcessStats {
  cpuUserMs: number;
  cpuSystemMs: number;
  maxRssBytes: number;
  maxHeapUsedBytes: number;
  eventLoopDelayMs: { mean: number; p50: number; p99: number; max: number };
  series: SeriesData;
}

/** One role's measurements for one repetition. */
export interface RoleRepResult {
  version: 2;
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
  producers: ProducerSnapshot[];
  consumers: ConsumerSnapshot[];
  process: ProcessStats;
  profile: { files: Record<string, string>; errors: string[] } | null;
}
