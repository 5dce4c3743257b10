/**
 * Pure aggregation of role results: one repetition's roles → a flat row of metrics and exact message
 * accounting; the rows of a configuration → statistics (warm repetitions) with the cold one apart;
 * latency histograms merged across processes and repetitions before any percentile is taken.
 */
import { BitSet, CountArray, encodeHistogram, mergeHistograms, summarizeHistogram, type HistogramSummary, type SeriesData } from "../metrics";
import { computeStatistics, type Statistics } from "../analysis/stats";
import type { RoleRepResult } from "../roles/role-config";
import type { ConsumerSnapshot, ProducerSnapshot } from "../workload/metrics";

export type RepKind = "warmup" | "measured" | "profile" | "calls" | "flamegraph";

export interface Accounting {
  /** Messages handed to send(). */
  produced: number;
  /** Acknowledged by the broker (for acks=0: written to the socket without error). */
  acked: number;
  failed: number;
  /** Distinct message ids received by any consumer. */
  consumed: number;
  /** Receipts beyond the first of an id (redeliveries and producer retries). */
  duplicates: number;
  /** Acked but never received. */
  lost: number;
  /** Not acked (failed or unknown) yet received: written despite the error. */
  unackedDelivered: number;
  /** Received messages without the lab's id header. */
  untracked: number;
}

export interface RepRow extends Accounting {
  configId: string;
  label: string;
  rep: number;
  kind: RepKind;
  /** The first repetition of its configuration: connections, group join and JIT are cold. */
  cold: boolean;
  state: "completed" | "errored" | "interrupted";
  error: string | null;
  producerLoopMs: number | null;
  consumerLoopMs: number | null;
  runMs: number | null;
  produceThroughputMsgsPerSec: number | null;
  produceThroughputMBPerSec: number | null;
  consumeThroughputMsgsPerSec: number | null;
  sendLatencyP50Ms: number | null;
  sendLatencyP99Ms: number | null;
  e2eLatencyP50Ms: number | null;
  e2eLatencyP99Ms: number | null;
  groupJoinMs: number | null;
  rebalances: number;
  maxLagMsgs: number | null;
  producerCpuMs: number;
  consumerCpuMs: number;
  maxRssMB: number;
  processingErrors: number;
}

export interface MetricDef {
  key: keyof RepRow & string;
  label: string;
  unit: "ms" | "msg/s" | "MB/s" | "messages" | "MB";
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
  { key: "maxLagMsgs", label: "max consumer lag", unit: "messages", better: "lower" },
  { key: "producerCpuMs", label: "producer CPU time", unit: "ms", better: "lower" },
  { key: "consumerCpuMs", label: "consumer CPU time", unit: "ms", better: "lower" },
  { key: "maxRssMB", label: "max RSS of a role", unit: "MB", better: "lower" },
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

/** Exact accounting by message id across every producer and consumer of one repetition. */
export function accountMessages(producers: ProducerSnapshot[], consumers: ConsumerSnapshot[]): Accounting {
  const received = new Map<number, CountArray>();
  for (const c of consumers) {
    for (const [pi, enc] of Object.entries(c.accounting.received)) {
      const counts = CountArray.decode(enc);
      const total = received.get(Number(pi));
      if (total) total.addAll(counts);
      else received.set(Number(pi), counts);
    }
  }
  const a: Accounting = { produced: 0, acked: 0, failed: 0, consumed: 0, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 };
  const covered = new Set<number>();
  for (const p of producers) {
    const acked = BitSet.decode(p.accounting.acked);
    const counts = received.get(p.producerIndex);
    covered.add(p.producerIndex);
    a.produced += p.accounting.sent;
    a.failed += p.counters.failed;
    const end = p.accounting.firstSeq + p.accounting.sent;
    for (let id = p.accounting.firstSeq; id < end; id++) {
      const c = counts ? counts.get(id) : 0;
      if (acked.has(id)) {
        a.acked++;
        if (c === 0) a.lost++;
      } else if (c > 0) {
        a.unackedDelivered++;
      }
      if (c > 0) {
        a.consumed++;
        a.duplicates += c - 1;
      }
    }
  }
  // Ids of producers whose results are missing (a crashed role): still count what consumers saw.
  for (const [pi, counts] of received) {
    if (covered.has(pi)) continue;
    for (let id = 0; id < counts.length; id++) {
      const c = counts.get(id);
      if (c > 0) {
        a.consumed++;
        a.duplicates += c - 1;
        a.unackedDelivered++;
      }
    }
  }
  a.untracked = consumers.reduce((s, c) => s + c.accounting.untracked, 0);
  return a;
}

/** One repetition's flat metrics row. `runMs` is measured by the runner (start → drained). */
export function repRow(input: {
  configId: string;
  label: string;
  rep: number;
  kind: RepKind;
  state: RepRow["state"];
  error: string | null;
  runMs: number | null;
  results: RoleRepResult[];
}): RepRow {
  const producers = producersOf(input.results);
  const consumers = consumersOf(input.results);
  const accounting = accountMessages(producers, consumers);
  const loops = producers.map((p) => p.loopMs).filter((x): x is number => x !== null);
  const producerLoopMs = loops.length ? Math.max(...loops) : null;
  const firstRecv = min(consumers.map((c) => c.firstReceiveMs));
  const lastProc = max(consumers.map((c) => c.lastProcessedMs));
  const consumerLoopMs = firstRecv !== null && lastProc !== null ? lastProc - firstRecv : null;
  const receipts = consumers.reduce((s, c) => s + c.counters.consumed, 0);
  const bytes = producers.reduce((s, p) => s + p.counters.bytesSent, 0);
  const send = summarizeHistogram(mergeHistograms(producers.map((p) => p.histograms.sendLatencyUs)));
  const e2e = summarizeHistogram(mergeHistograms(consumers.map((c) => c.histograms.e2eLatencyUs)));
  const joins = consumers.map((c) => c.groupJoinMs[0]).filter((x): x is number => x !== undefined);
  const lags = consumers.flatMap((c) => (c.series.gauges.lag ?? []).filter((x): x is number => x !== null));
  const cpu = (kind: "producer" | "consumer") => input.results.filter((r) => r.kind === kind).reduce((s, r) => s + r.process.cpuUserMs + r.process.cpuSystemMs, 0);
  const ms = (us: number) => (Number.isFinite(us) ? us / 1000 : null);
  return {
    configId: input.configId,
    label: input.label,
    rep: input.rep,
    kind: input.kind,
    cold: input.rep === 1,
    state: input.state,
    error: input.error,
    ...accounting,
    producerLoopMs,
    consumerLoopMs,
    runMs: input.runMs,
    produceThroughputMsgsPerSec: producerLoopMs ? accounting.acked / (producerLoopMs / 1000) : null,
    produceThroughputMBPerSec: producerLoopMs ? bytes / 1e6 / (producerLoopMs / 1000) : null,
    consumeThroughputMsgsPerSec: consumerLoopMs ? receipts / (consumerLoopMs / 1000) : null,
    sendLatencyP50Ms: ms(send.p50),
    sendLatencyP99Ms: ms(send.p99),
    e2eLatencyP50Ms: ms(e2e.p50),
    e2eLatencyP99Ms: ms(e2e.p99),
    groupJoinMs: joins.length ? Math.max(...joins) : null,
    rebalances: consumers.reduce((s, c) => s + c.counters.rebalances, 0),
    maxLagMsgs: lags.length ? Math.max(...lags) : null,
    producerCpuMs: cpu("producer"),
    consumerCpuMs: cpu("consumer"),
    maxRssMB: Math.max(0, ...input.results.map((r) => r.process.maxRssBytes / 2 ** 20)),
    processingErrors: consumers.reduce((s, c) => s + c.counters.processingErrors, 0),
  };
}

function min(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.min(...v) : null;
}

function max(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
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

/** Warm repetitions: measured, completed, not the cold first one. */
export function warmRows(rows: RepRow[]): RepRow[] {
  return rows.filter((r) => r.kind === "measured" && r.state === "completed" && !r.cold);
}

/** Per configuration and metric: statistics over the warm repetitions, plus the cold value. */
export function summarize(rows: RepRow[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const configId of [...new Set(rows.map((r) => r.configId))]) {
    const mine = rows.filter((r) => r.configId === configId);
    const warm = warmRows(mine);
    const cold = mine.find((r) => r.cold && r.state === "completed") ?? null;
    for (const m of REP_METRICS) {
      const values = warm.map((r) => r[m.key] as number | null).filter((v): v is number => v !== null && Number.isFinite(v));
      const stats = computeStatistics(values);
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

/**
 * Long-format time series of one repetition: one row per role and bucket; `t` is the bucket's start in
 * seconds since the repetition started; counters become rates per second, gauges stay as sampled.
 */
export function seriesRows(configId: string, rep: number, results: RoleRepResult[]): Array<Record<string, string | number | null>> {
  const rows: Array<Record<string, string | number | null>> = [];
  for (const r of results) {
    const parts: SeriesData[] = [...r.producers.map((p) => p.series), ...r.consumers.map((c) => c.series), r.process.series];
    const interval = parts[0]?.intervalMs ?? 1000;
    const buckets = Math.max(0, ...parts.map((p) => p.buckets));
    for (let b = 0; b < buckets; b++) {
      const row: Record<string, string | number | null> = { configId, rep, roleId: r.roleId, kind: r.kind, t: +((b * interval) / 1000).toFixed(3) };
      for (const part of parts) {
        for (const [k, v] of Object.entries(part.counters)) row[k] = ((row[k] as number | undefined) ?? 0) + ((v[b] ?? 0) * 1000) / part.intervalMs;
        for (const [k, v] of Object.entries(part.gauges)) row[k] = v[b] ?? (row[k] as number | null | undefined) ?? null;
      }
      rows.push(row);
    }
  }
  return rows;
}
