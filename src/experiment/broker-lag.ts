/**
 * Lag as the broker sees it (messages written and not yet processed), joined with the consumers' own
 * reports afterwards: Kafka's below; RabbitMQ's is `queueLag` at the end.
 *
 * A consumer knows the log end only from its last fetch, so its own lag (that high watermark − its
 * position) goes stale while it works through a large batch: it falls as the consumer processes and jumps
 * at the next fetch, whatever the producers did meanwhile. Here the runner samples each partition's log
 * end (its high watermark) and the group's committed offsets from the broker every `record.intervalMs`,
 * records every consumer's processed position from its progress reports (every 200 ms, each with the time the
 * consumer made it: on a busy machine one can arrive ~100 ms later), and after the repetition joins them: at
 * each broker sample,
 *
 *   lag = Σ_p max(0, logEnd_p − position_p),  position_p = max(committed_p, each consumer's position of p at t)
 *
 * where a consumer's position at t is interpolated linearly between its two reports around t (it processed
 * at some pace in between; a consumer that stopped — a long handler, a paused process — sends no report
 * until it goes on, so the interpolation spans little change), and held after its last report.
 * `committedLag` is what Kafka's own tools show: Σ_p max(0, logEnd_p − committed_p).
 */

/**
 * One broker sample: ms from the repetition's origin; per partition index, its high watermark, log start and
 * the group's committed offset (-1: none; `committed` null: the broker would not say, e.g. ACLs).
 */
export interface LogSample {
  t: number;
  high: number[];
  low: number[];
  committed: number[] | null;
}

/** One consumer's processed positions over time: `positions[i]` (partition → next offset to process) as of `t[i]` (ms from the origin, ascending). */
export interface PositionTrace {
  t: number[];
  positions: Array<Record<number, number>>;
}

/** Where one consumer stood on a partition at time `t`: null before it reported one. */
export function positionAt(trace: PositionTrace, partition: number, t: number): number | null {
  // The last report at or before t (binary search), then back to one that has this partition.
  let lo = 0;
  let hi = trace.t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (trace.t[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  let before = lo - 1;
  while (before >= 0 && trace.positions[before]![partition] === undefined) before--;
  if (before < 0) return null;
  const p0 = trace.positions[before]![partition]!;
  for (let j = before + 1; j < trace.t.length; j++) {
    const p1 = trace.positions[j]![partition];
    if (p1 === undefined) continue;
    const t0 = trace.t[before]!;
    const t1 = trace.t[j]!;
    return t1 > t0 ? p0 + ((p1 - p0) * (t - t0)) / (t1 - t0) : p1;
  }
  return p0;
}

/** Where the group restarts on a partition: its committed offset, or the log start before it committed any. */
function committedOrStart(sample: LogSample, partition: number): number {
  const c = sample.committed?.[partition] ?? -1;
  return c >= 0 ? c : (sample.low[partition] ?? 0);
}

/** The group's position on a partition at a sample: the committed offset (or the log start) unless a consumer is further. */
export function groupPosition(sample: LogSample, partition: number, traces: PositionTrace[]): number {
  let pos = committedOrStart(sample, partition);
  for (const tr of traces) {
    const p = positionAt(tr, partition, sample.t);
    if (p !== null && p > pos) pos = p;
  }
  return pos;
}

export interface LagPoint {
  /** ms from the repetition's origin. */
  t: number;
  /** Σ high watermarks: messages written to the topic so far. */
  logEnd: number;
  /** Messages written and not yet processed by the group, rounded. */
  lag: number;
  /** Messages written past the group's committed offsets (what kafka-consumer-groups shows); null if unknown. */
  committedLag: number | null;
}

/** Join broker samples with the consumers' position traces: the lag at each sample. */
export function kafkaLag(samples: LogSample[], traces: PositionTrace[]): LagPoint[] {
  return samples.map((s) => {
    let logEnd = 0;
    let lag = 0;
    let committedLag = 0;
    s.high.forEach((high, p) => {
      logEnd += high;
      lag += Math.max(0, high - groupPosition(s, p, traces));
      committedLag += Math.max(0, high - committedOrStart(s, p));
    });
    return { t: s.t, logEnd, lag: Math.round(lag), committedLag: s.committed ? committedLag : null };
  });
}

/**
 * RabbitMQ: messages published and not yet processed at each sample (`t` in ms from the origin) — the
 * queue's ready count plus what each consumer holds unprocessed (delivered − processed, from its reports,
 * interpolated as positions are; 0 before its first report). Without the consumers' part a queue with no
 * prefetch limit looks empty while every message waits in the consumer.
 */
export function queueLag(samples: Array<{ t: number; ready: number }>, held: PositionTrace[]): number[] {
  return samples.map((s) => Math.round(s.ready + held.reduce((sum, tr) => sum + (positionAt(tr, 0, s.t) ?? 0), 0)));
}
