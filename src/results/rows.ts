/**
 * Pure aggregation of role results: one repetition's roles → a flat row of metrics and its exact message
 * accounting; the rows of a configuration → statistics over the warm repetitions with the cold one apart;
 * latency histograms merged across processes and repetitions before any percentile is taken.
 */
import { encodeHistogram, mergeHistograms, summarizeHistogram, type HistogramSummary } from "../metrics/histogram";
import type { SeriesData } from "../metrics/series";
import { MB, MiB } from "../util/format";
import { accountMessages, type Accounting } from "./accounting";
import type { RepKind, RepState } from "./model";
import type { ConsumerSnapshot, ProducerSnapshot, RoleRepResult } from "./role-result";
import { computeStatistics, type Statistics } from "./stats";
import { coldRow, isCold, warmRows } from "./warm";

export interface RepRow extends Accounting {
  configId: string;
  label: string;
  rep: number;
  kind: RepKind;
  /** The first repetition of its configuration (see warm.ts). */
  cold: boolean;
  state: RepState;
  error: string | null;
  /** Receipts: every message each consumer received, duplicates included. */
  received: number;
  /** First send() of any producer → last ack of any producer. */
  producerLoopMs: number | null;
  /** First message received by any consumer → last one processed. */
  consumerLoopMs: number | null;
  /** Start → every message processed (or last ack without consumers). */
  runMs: number | null;
  produceThroughputMsgsPerSec: number | null;
  /** Decimal megabytes (10^6 bytes) of keys and values per second. */
  produceThroughputMBPerSec: number | null;
  /** Receipts per second over the consumer loop. */
  consumeThroughputMsgsPerSec: number | null;
  sendLatencyP50Ms: number | null;
  sendLatencyP99Ms: number | null;
  e2eLatencyP50Ms: number | null;
  e2eLatencyP99Ms: number | null;
  groupJoinMs: number | null;
  rebalances: number;
  /** Producers of the repetition and those that could not connect (an overloaded cluster): they sent nothing. */
  producers: number;
  producersUnconnected: number;
  maxLagMsgs: number | null;
  producerCpuMs: number;
  consumerCpuMs: number;
  /** Largest resident set of any role process, MiB (2^20 bytes). */
  maxRssMiB: number;
  processingErrors: number;
}

export interface MetricDef {
  key: keyof RepRow & string;
  label: string;
  unit: "ms" | "msg/s" | "MB/s" | "messages" | "MiB";
  better: "lower" | "higher";
}

/** Repetition-level metrics summarized per configuration (mean ± std over warm repetitions). */
export const REP_METRICS: MetricDef[] = [
  { key: "producerLoopMs", label: "producer loop (publish all messages, first send → last ack)", unit: "ms", better: "lower" },
  { key: "consumerLoopMs", label: "consumer loop (first message received → last processed)", unit: "ms", better: "lower" },
  { key: "runMs", label: "run (start → every message consumed)", unit: "ms", better: "lower" },
  { key: "produceThroughputMsgsPerSec", label: "produce throughput", unit: "msg/s", better: "higher" },
  { key: "produceThroughputMBPerSec", label: "produce throughput", unit: "MB/s", better: "higher" },
  { key: "consumeThroughputMsgsPerSec", label: "consume throughput", unit: "msg/s", better: "higher" },
  { key: "sendLatencyP50Ms", label: "send→ack latency p50", unit: "ms", better: "lower" },
  { key: "sendLatencyP99Ms", label: "send→ack latency p99", unit: "ms", better: "lower" },
  { key: "e2eLatencyP50Ms", label: "end-to-end latency p50", unit: "ms", better: "lower" },
  { key: "e2eLatencyP99Ms", label: "end-to-end latency p99", unit: "ms", better: "lower" },
  { key: "groupJoinMs", label: "consumer group join", unit: "ms", better: "lower" },
  { key: "maxLagMsgs", label: "max lag (written − processed)", unit: "messages", better: "lower" },
  { key: "producerCpuMs", label: "producer CPU time", unit: "ms", better: "lower" },
  { key: "consumerCpuMs", label: "consumer CPU time", unit: "ms", better: "lower" },
  { key: "maxRssMiB", label: "max RSS of a role", unit: "MiB", better: "lower" },
];

/** Histogram names pooled per configuration (all in µs). */
export const LATENCY_HISTOGRAMS = ["sendLatencyUs", "batchLatencyUs", "intendedLatencyUs", "sendDelayUs", "e2eLatencyUs", "e2eCreateTimeUs", "processingUs"] as const;
export type LatencyName = (typeof LATENCY_HISTOGRAMS)[number];

export function producersOf(results: RoleRepResult[]): ProducerSnapshot[] {
  return results.flatMap((r) => r.producers);
}

export function consumersOf(results: RoleRepResult[]): ConsumerSnapshot[] {
  return results.flatMap((r) => r.consumers);
}

function finite(xs: Array<number | null>): number[] {
  return xs.filter((x): x is number => x !== null && Number.isFinite(x));
}

const min = (xs: Array<number | null>) => (finite(xs).length ? Math.min(...finite(xs)) : null);
const max = (xs: Array<number | null>) => (finite(xs).length ? Math.max(...finite(xs)) : null);

/** The producer loop across producers: first send of any → last ack of any (ms). */
function producerLoop(producers: ProducerSnapshot[]): number | null {
  const first = min(producers.map((p) => p.firstSendAtMs));
  const last = max(producers.map((p) => p.lastAckAtMs));
  return first !== null && last !== null ? last - first : null;
}

export interface RepInput {
  configId: string;
  label: string;
  rep: number;
  kind: RepKind;
  state: RepState;
  error: string | null;
  runMs: number | null;
  results: RoleRepResult[];
  /** Accounting of this repetition when the runner computed it (offset join); by id from the snapshots otherwise. */
  accounting?: Accounting;
  /** The highest lag the broker-side series shows (Kafka: log end − the group's position), if sampled. */
  brokerMaxLag?: number | null;
}

/** One repetition's flat metrics row. */
export function repRow(input: RepInput): RepRow {
  const producers = producersOf(input.results);
  const consumers = consumersOf(input.results);
  const accounting = input.accounting ?? accountMessages(producers, consumers);
  const producerLoopMs = producerLoop(producers);
  const firstRecv = min(consumers.map((c) => c.firstReceiveAtMs));
  const lastProc = max(consumers.map((c) => c.lastProcessedAtMs));
  const consumerLoopMs = firstRecv !== null && lastProc !== null ? lastProc - firstRecv : null;
  const received = consumers.reduce((s, c) => s + c.counters.received, 0);
  const bytes = producers.reduce((s, p) => s + p.counters.bytesSent, 0);
  const send = summarizeHistogram(mergeHistograms(producers.map((p) => p.histograms.sendLatencyUs)));
  const e2e = summarizeHistogram(mergeHistograms(consumers.map((c) => c.histograms.e2eLatencyUs)));
  const joins = consumers.map((c) => c.groupJoinMs[0]).filter((x): x is number => x !== undefined);
  const lags = consumers.flatMap((c) => c.series.gauges.lag ?? []);
  const cpu = (kind: "producer" | "consumer") => input.results.filter((r) => r.kind === kind).reduce((s, r) => s + r.process.cpuUserMs + r.process.cpuSystemMs, 0);
  const ms = (us: number) => (Number.isFinite(us) ? us / 1000 : null);
  return {
    configId: input.configId,
    label: input.label,
    rep: input.rep,
    kind: input.kind,
    cold: isCold(input),
    state: input.state,
    error: input.error,
    ...accounting,
    received,
    producerLoopMs,
    consumerLoopMs,
    runMs: input.runMs,
    produceThroughputMsgsPerSec: producerLoopMs ? accounting.acked / (producerLoopMs / 1000) : null,
    produceThroughputMBPerSec: producerLoopMs ? bytes / MB / (producerLoopMs / 1000) : null,
    consumeThroughputMsgsPerSec: consumerLoopMs ? received / (consumerLoopMs / 1000) : null,
    sendLatencyP50Ms: ms(send.p50),
    sendLatencyP99Ms: ms(send.p99),
    e2eLatencyP50Ms: ms(e2e.p50),
    e2eLatencyP99Ms: ms(e2e.p99),
    groupJoinMs: joins.length ? Math.max(...joins) : null,
    rebalances: consumers.reduce((s, c) => s + c.counters.rebalances, 0),
    producers: producers.length,
    producersUnconnected: producers.filter((p) => p.connectError).length,
    // Both are lower bounds of the true lag at their instants (a consumer's own lag uses the log end of its last
    // fetch, never later than the real one), so the higher of the two is the closer to the true peak.
    maxLagMsgs: max([input.brokerMaxLag ?? null, ...lags]),
    producerCpuMs: cpu("producer"),
    consumerCpuMs: cpu("consumer"),
    maxRssMiB: Math.max(0, ...input.results.map((r) => r.process.maxRssBytes / MiB)),
    processingErrors: consumers.reduce((s, c) => s + c.counters.processingErrors, 0),
  };
}

export interface SummaryRow extends Statistics {
  configId: string;
  label: string;
  metric: string;
  description: string;
  unit: string;
  /** Value of the cold (first) repetition, reported apart from the warm ones. */
  cold: number | null;
  /** cold / warm mean. */
  coldRatio: number | null;
}

/** Per configuration and metric: statistics over the warm repetitions, plus the cold value. */
export function summarize(rows: RepRow[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const configId of [...new Set(rows.map((r) => r.configId))]) {
    const mine = rows.filter((r) => r.configId === configId);
    const warm = warmRows(mine);
    const cold = coldRow(mine);
    for (const m of REP_METRICS) {
      const values = finite(warm.map((r) => r[m.key] as number | null));
      const stats = computeStatistics(values, { nonNegative: true });
      const coldValue = cold ? ((cold[m.key] as number | null) ?? null) : null;
      out.push({
        configId,
        label: mine[0]!.label,
        metric: m.key,
        description: m.label,
        unit: m.unit,
        ...stats,
        cold: coldValue,
        coldRatio: coldValue !== null && stats.n > 0 && stats.mean !== 0 ? coldValue / stats.mean : null,
      });
    }
  }
  return out;
}

/** Latency histograms of a configuration's warm repetitions, merged (encoded) per name. */
export function pooledHistograms(resultsByRep: RoleRepResult[][]): Record<LatencyName, string> {
  const out = {} as Record<LatencyName, string>;
  for (const name of LATENCY_HISTOGRAMS) {
    const encoded = resultsByRep.flatMap((results) => [
      ...producersOf(results).map((p) => (p.histograms as Record<string, string>)[name]),
      ...consumersOf(results).map((c) => (c.histograms as Record<string, string>)[name]),
    ]);
    out[name] = encodeHistogram(mergeHistograms(encoded));
  }
  return out;
}

export function summarizePooled(pooled: Record<LatencyName, string>): Record<LatencyName, HistogramSummary> {
  const out = {} as Record<LatencyName, HistogramSummary>;
  for (const name of LATENCY_HISTOGRAMS) out[name] = summarizeHistogram(mergeHistograms([pooled[name]]));
  return out;
}

export type SeriesRow = Record<string, string | number | null>;

/**
 * Long-format time series of one repetition: one row per role and bucket; `t` is the bucket's start in
 * seconds since the repetition started; counters become rates per second, gauges stay as sampled.
 */
export function seriesRows(configId: string, rep: number, results: RoleRepResult[]): SeriesRow[] {
  const rows: SeriesRow[] = [];
  for (const r of results) {
    const parts: SeriesData[] = [...r.producers.map((p) => p.series), ...r.consumers.map((c) => c.series), r.process.series];
    const interval = parts[0]?.intervalMs ?? 1000;
    const buckets = Math.max(0, ...parts.map((p) => p.buckets));
    for (let b = 0; b < buckets; b++) {
      const row: SeriesRow = { configId, rep, roleId: r.roleId, kind: r.kind, t: +((b * interval) / 1000).toFixed(3) };
      for (const part of parts) {
        for (const [k, v] of Object.entries(part.counters)) row[k] = ((row[k] as number | undefined) ?? 0) + ((v[b] ?? 0) * 1000) / part.intervalMs;
        for (const [k, v] of Object.entries(part.gauges)) row[k] = v[b] ?? (row[k] as number | null | undefined) ?? null;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Series columns in their usual order (a user metric adds columns after these). */
export const SERIES_COLUMNS = ["sent", "acked", "failed", "bytesSent", "batchSize", "received", "bytesReceived", "duplicates", "processingErrors", "lag", "committedLag", "logEnd", "ready", "rssMiB", "heapUsedMiB", "eventLoopDelayMaxMs"];
