/**
 * Series, latency distributions and fault marks of a loaded run, shaped for figures (pure functions of
 * RunData). Every series is per second; time counts from the start of the repetition.
 */
import { decodeHistogram, histogramDistribution, mergeHistograms, summarizeHistogram, type HistogramSummary } from "../metrics/histogram";
import { OffsetLog } from "../metrics/offsets";
import { readAttachment, readRoleResults, type RunData } from "../results/load";
import type { LatencyName } from "../results/rows";
import { isWarm } from "../results/warm";

export interface SeriesLine {
  name: string;
  /** Bucket starts, seconds from the start of the repetition. */
  seconds: number[];
  values: Array<number | null>;
}

export interface FaultMarker {
  /** Seconds from the start of the repetition. */
  atSec: number;
  label: string;
}

export interface Distribution {
  name: string;
  /** From metrics.histogramDistribution: value (µs), percentile (%), cumulative count. */
  points: Array<{ value: number; percentile: number; cumulative: number }>;
}

export function configLabel(run: RunData, configId: string): string {
  return run.manifest.configurations.find((c) => c.id === configId)?.label ?? configId;
}

/** Pooled (warm) latency of a configuration: summary in µs and the distribution for plots. */
export function latencyOf(run: RunData, configId: string, name: LatencyName): { summary: HistogramSummary; distribution: Distribution } | null {
  const enc = run.histograms[configId]?.[name];
  if (!enc) return null;
  const h = decodeHistogram(enc);
  if (h.totalCount === 0) return null;
  return { summary: summarizeHistogram(h), distribution: { name: configLabel(run, configId), points: histogramDistribution(h) } };
}

/**
 * A series summed over the roles of one kind in one repetition (e.g. "acked" of all producers, per second).
 * Kind "broker" (or its older name "queue") is the broker's own series: on Kafka the topic's `logEnd`, the
 * group's `lag` (log end − the group's position) and `committedLag`; on RabbitMQ the queue's `ready` messages.
 * `rep` defaults to the configuration's first warm repetition.
 */
export function seriesOf(run: RunData, configId: string, column: string, opts: { rep?: number; kind?: "producer" | "consumer" | "broker" | "queue"; name?: string; aggregate?: "sum" | "max" } = {}): SeriesLine {
  const rep = opts.rep ?? defaultRep(run, configId);
  const broker = opts.kind === "broker" || opts.kind === "queue";
  const rows = run.timeseries.filter((r) => r.configId === configId && r.rep === rep && (!opts.kind || (broker ? r.roleId === "broker" : r.kind === opts.kind)));
  const bySecond = new Map<number, number | null>();
  for (const r of rows) {
    const s = Number(r.t);
    const v = r[column];
    if (v === null || v === undefined || v === "") {
      if (!bySecond.has(s)) bySecond.set(s, null);
      continue;
    }
    const prev = bySecond.get(s);
    const n = Number(v);
    bySecond.set(s, prev === null || prev === undefined ? n : opts.aggregate === "max" ? Math.max(prev, n) : prev + n);
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  return { name: opts.name ?? `${configLabel(run, configId)} · rep ${rep}`, seconds, values: seconds.map((s) => bySecond.get(s) ?? null) };
}

/** The first warm repetition of a configuration, else its first measured one, else its first. */
export function defaultRep(run: RunData, configId: string): number {
  const reps = run.repetitions.filter((r) => r.configId === configId);
  return (reps.find(isWarm) ?? reps.find((r) => r.kind === "measured") ?? reps[0])?.rep ?? 1;
}

/** Faults of a repetition as plot markers (actual times). */
export function faultMarkers(run: RunData, configId: string, rep?: number): FaultMarker[] {
  const r = rep ?? defaultRep(run, configId);
  const rec = run.manifest.repetitions.find((x) => x.configId === configId && x.rep === r);
  return (rec?.faults ?? []).map((f) => ({ atSec: f.actualAtMs / 1000, label: `${f.action} ${f.target}${f.ok ? "" : " (failed)"}` }));
}

/**
 * Acknowledged messages that no consumer received, by when they were sent: counts per `bucketSec`
 * (0.25 s by default) over one repetition — where the losses sit against the fault marks. `rep` defaults
 * to the configuration's repetition with the most losses.
 */
export function lostMessagesOf(run: RunData, configId: string, opts: { rep?: number; bucketSec?: number; name?: string } = {}): SeriesLine & { rep: number; lost: number } {
  const recs = run.manifest.repetitions.filter((r) => r.configId === configId);
  const rec = opts.rep !== undefined ? recs.find((r) => r.rep === opts.rep) : [...recs].sort((a, b) => (b.lostSendAtMs?.length ?? 0) - (a.lostSendAtMs?.length ?? 0))[0];
  const bucket = opts.bucketSec ?? 0.25;
  const end = Math.max(0, ...(rec?.lostSendAtMs ?? []).map((ms) => ms / 1000), ...(rec?.faults ?? []).map((f) => f.actualAtMs / 1000)) + bucket;
  const seconds = Array.from({ length: Math.ceil(end / bucket) }, (_, i) => +(i * bucket).toFixed(3));
  const values = seconds.map(() => 0);
  for (const ms of rec?.lostSendAtMs ?? []) values[Math.min(values.length - 1, Math.floor(ms / 1000 / bucket))]!++;
  const rep = rec?.rep ?? 1;
  return { name: opts.name ?? `${configLabel(run, configId)} · rep ${rep}`, seconds, values, rep, lost: rec?.lostSendAtMs?.length ?? 0 };
}

/**
 * One repetition's latency (e.g. the cold first run beside the warm pool): the histograms of its roles
 * merged from `raw/`. Null if the repetition recorded none.
 */
export function latencyOfRep(runDir: string, configId: string, rep: number, name: LatencyName, label?: string): { summary: HistogramSummary; distribution: Distribution } | null {
  const encoded = readRoleResults(runDir)
    .filter((r) => r.configId === configId && r.rep === rep)
    .flatMap((r) => [...r.producers, ...r.consumers].map((s) => (s.histograms as Record<string, string | undefined>)[name]));
  const h = mergeHistograms(encoded);
  if (h.totalCount === 0) return null;
  return { summary: summarizeHistogram(h), distribution: { name: label ?? `${configId} · rep ${rep}`, points: histogramDistribution(h) } };
}

/**
 * Which consumer read how many messages of which partition in one repetition, exactly, from the consumers'
 * offset records (a partition that moved in a rebalance shows under both consumers).
 */
export function partitionDistribution(runDir: string, configId: string, rep: number): Array<{ consumer: string; partition: number; messages: number }> {
  const out: Array<{ consumer: string; partition: number; messages: number }> = [];
  for (const r of readRoleResults(runDir).filter((x) => x.configId === configId && x.rep === rep && x.kind === "consumer")) {
    r.consumers.forEach((c, i) => {
      const bin = readAttachment(runDir, configId, rep, r.roleId, `offsets.c${i}`);
      if (!bin) return;
      for (const { partition, data } of OffsetLog.decode(bin, c.offsets.columns).partitions()) out.push({ consumer: r.consumers.length > 1 ? `${r.roleId}#${i}` : r.roleId, partition, messages: data.length });
    });
  }
  return out.sort((a, b) => a.partition - b.partition || a.consumer.localeCompare(b.consumer));
}
