// Imported from their files, not the metrics index: compiled re-exports are getters, called per access.
import { BitSet, CountArray } from "../metrics/idset";
import { DEFAULT_INTERVAL_MS, SeriesRecorder, TotalsSeries, type SeriesData } from "../metrics/series";
import { createHistogram, destroyHistogram, encodeHistogram, recordUs, type Histogram } from "../metrics/histogram";
import { monoMs } from "../metrics/clock";
import type { ReceiptJournal } from "../metrics/journal";

/**
 * What an instrumented producer measures, in one typed home: histograms (µs), counters, the per-second
 * series and the set of acknowledged message ids. `snapshot()` serializes it for the parent process.
 */
export class ProducerMetrics {
  readonly sendLatencyUs: Histogram = createHistogram();
  readonly batchLatencyUs: Histogram = createHistogram();
  /** Only with a target rate: ack time minus the *intended* send time (coordinated omission corrected). */
  readonly intendedLatencyUs: Histogram = createHistogram();
  /** Only with a target rate: how late each send() call was against its schedule. */
  readonly sendDelayUs: Histogram = createHistogram();
  readonly requestLatencyUs: Histogram = createHistogram();
  readonly series: SeriesRecorder;
  readonly acked = new BitSet(4096);
  sent = 0;
  ackedCount = 0;
  failed = 0;
  bytesSent = 0;
  batches = 0;
  maxRequestQueueSize = 0;
  /** monoMs() of the first send() and the last ack. */
  firstSendMs: number | null = null;
  lastAckMs: number | null = null;
  readonly errors = new Map<string, number>();
  readonly raw: { sendLatencyUs: number[] } | null;
  private seq = 0;
  /** First id of this window: accounting covers ids seqBase … seqBase+sent-1. */
  seqBase = 0;

  private readonly totals: TotalsSeries;

  constructor(readonly producerIndex: number, originMs: number = monoMs(), recordRaw = false, intervalMs = DEFAULT_INTERVAL_MS) {
    this.series = new SeriesRecorder(originMs, intervalMs);
    this.totals = new TotalsSeries(this.series, ["sent", "bytesSent"]);
    this.raw = recordRaw ? { sendLatencyUs: [] } : null;
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** Empty metrics for a new window that keep counting ids where these stopped (ids stay unique). */
  fresh(originMs: number): ProducerMetrics {
    const m = new ProducerMetrics(this.producerIndex, originMs, this.raw !== null, this.series.intervalMs);
    m.seq = this.seq;
    m.seqBase = this.seq;
    return m;
  }

  onSend(bytes: number, ms: number): void {
    if (this.totals.due(ms)) this.totals.roll(ms, [this.sent, this.bytesSent]);
    this.sent++;
    this.bytesSent += bytes;
    if (this.firstSendMs === null) this.firstSendMs = ms;
  }

  /** Move the series origin (the repetition started): counting restarts from the current totals. */
  setOrigin(originMs: number): void {
    this.series.setOrigin(originMs);
    this.totals.restart([this.sent, this.bytesSent]);
  }

  onAck(seq: number, sendMs: number, ackMs: number, intendedMs: number | null): void {
    this.ackedCount++;
    this.acked.add(seq);
    this.lastAckMs = ackMs;
    const us = (ackMs - sendMs) * 1000;
    recordUs(this.sendLatencyUs, us);
    if (this.raw) this.raw.sendLatencyUs.push(us);
    if (intendedMs !== null) {
      recordUs(this.intendedLatencyUs, (ackMs - intendedMs) * 1000);
      recordUs(this.sendDelayUs, (sendMs - intendedMs) * 1000);
    }
  }

  /** One acknowledged batch: its latency, and its messages counted as acked in the series at once. */
  onBatch(count: number, startMs: number, endMs: number): void {
    this.batches++;
    recordUs(this.batchLatencyUs, (endMs - startMs) * 1000);
    this.series.gauge("batchSize", count, "max", endMs);
    this.series.add("acked", count, endMs);
  }

  onFailure(count: number, err: unknown): void {
    this.failed += count;
    const key = errorKey(err);
    this.errors.set(key, (this.errors.get(key) ?? 0) + count);
    this.series.add("failed", count);
  }

  onRequest(durationMs: number, queueSize?: number): void {
    recordUs(this.requestLatencyUs, durationMs * 1000);
    if (queueSize !== undefined && queueSize > this.maxRequestQueueSize) this.maxRequestQueueSize = queueSize;
  }

  /** Wall time of the publish loop: first send() to last ack, ms (null before any ack). */
  loopMs(): number | null {
    return this.firstSendMs !== null && this.lastAckMs !== null ? this.lastAckMs - this.firstSendMs : null;
  }

  snapshot(): ProducerSnapshot {
    this.totals.roll(monoMs(), [this.sent, this.bytesSent]);
    return {
      kind: "producer",
      producerIndex: this.producerIndex,
      counters: { sent: this.sent, acked: this.ackedCount, failed: this.failed, bytesSent: this.bytesSent, batches: this.batches, maxRequestQueueSize: this.maxRequestQueueSize },
      loopMs: this.loopMs(),
      firstSendMs: this.series.msFromOrigin(this.firstSendMs),
      lastAckMs: this.series.msFromOrigin(this.lastAckMs),
      histograms: {
        sendLatencyUs: encodeHistogram(this.sendLatencyUs),
        batchLatencyUs: encodeHistogram(this.batchLatencyUs),
        intendedLatencyUs: encodeHistogram(this.intendedLatencyUs),
        sendDelayUs: encodeHistogram(this.sendDelayUs),
        requestLatencyUs: encodeHistogram(this.requestLatencyUs),
      },
      series: this.series.toJSON(),
      accounting: { producerIndex: this.producerIndex, firstSeq: this.seqBase, sent: this.sent, acked: this.acked.encode() },
      errors: Object.fromEntries(this.errors),
      raw: this.raw,
    };
  }

  /** Free WebAssembly histogram memory. The metrics must not be used afterwards. */
  destroy(): void {
    for (const h of [this.sendLatencyUs, this.batchLatencyUs, this.intendedLatencyUs, this.sendDelayUs, this.requestLatencyUs]) destroyHistogram(h);
  }
}

/** What an instrumented consumer measures. */
export class ConsumerMetrics {
  readonly e2eLatencyUs: Histogram = createHistogram();
  /** Receive time (Date.now) minus Kafka's CreateTime, in µs but only ms-accurate. */
  readonly e2eCreateTimeUs: Histogram = createHistogram();
  readonly processingUs: Histogram = createHistogram();
  readonly requestLatencyUs: Histogram = createHistogram();
  readonly series: SeriesRecorder;
  /** Times each (producer, seq) was received: counts[producerIndex].get(seq). */
  readonly received = new Map<number, CountArray>();
  consumed = 0;
  bytesConsumed = 0;
  duplicatesSeen = 0;
  untracked = 0;
  processingErrors = 0;
  commits = 0;
  flushes = 0;
  rebalances = 0;
  maxRequestQueueSize = 0;
  readonly groupJoinMs: number[] = [];
  readonly highWatermarks = new Map<string, number>();
  /** Next offset to process per "topic:partition" (last processed + 1). */
  readonly positions = new Map<string, number>();
  /** monoMs() of the first receipt and of the end of the last processing. */
  firstReceiveMs: number | null = null;
  lastProcessedMs: number | null = null;
  readonly errors = new Map<string, number>();
  readonly raw: { e2eLatencyUs: number[] } | null;
  private readonly totals: TotalsSeries;
  /** Durable record of receipts (flushed before commits): accounting survives a killed consumer. */
  journal: ReceiptJournal | null = null;

  constructor(originMs: number = monoMs(), recordRaw = false, intervalMs = DEFAULT_INTERVAL_MS) {
    this.series = new SeriesRecorder(originMs, intervalMs);
    this.totals = new TotalsSeries(this.series, ["consumed", "bytesConsumed"], (ms) => this.sampleLag(ms));
    this.raw = recordRaw ? { e2eLatencyUs: [] } : null;
  }

  /** Record one received message; returns how many times this id has now been seen (1 = first). */
  onReceive(producerIndex: number | null, seq: number, sentMs: number | null, createTimeMs: number, bytes: number, ms: number): number {
    if (this.totals.due(ms)) this.totals.roll(ms, [this.consumed, this.bytesConsumed]);
    this.consumed++;
    this.bytesConsumed += bytes;
    if (this.firstReceiveMs === null) this.firstReceiveMs = ms;
    recordUs(this.e2eCreateTimeUs, (Date.now() - createTimeMs) * 1000);
    if (producerIndex === null || sentMs === null) {
      this.untracked++;
      return 1;
    }
    const us = (ms - sentMs) * 1000;
    recordUs(this.e2eLatencyUs, us);
    if (this.raw) this.raw.e2eLatencyUs.push(us);
    this.journal?.add(producerIndex, seq);
    let counts = this.received.get(producerIndex);
    if (!counts) this.received.set(producerIndex, (counts = new CountArray(4096)));
    const n = counts.increment(seq);
    if (n > 1) {
      this.duplicatesSeen++;
      this.series.add("duplicates", 1, ms);
    }
    return n;
  }

  onProcessed(positionKey: string, offset: number, startMs: number, endMs: number): void {
    recordUs(this.processingUs, (endMs - startMs) * 1000);
    this.positions.set(positionKey, offset + 1);
    this.lastProcessedMs = endMs;
  }

  onProcessingError(err: unknown): void {
    this.processingErrors++;
    const key = errorKey(err);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    this.series.add("processingErrors", 1);
  }

  /**
   * A fetched batch: remember the partition's high watermark (and where it starts, until something is
   * processed). Lag is sampled once a second as Σ (high watermark − next offset to process): messages
   * fetched but not yet processed count as lag, unlike kafkajs's own offsetLag.
   */
  onBatch(positionKey: string, highWatermark: number, firstOffset: number): void {
    this.highWatermarks.set(positionKey, highWatermark);
    if (!this.positions.has(positionKey)) this.positions.set(positionKey, firstOffset);
  }

  sampleLag(ms: number = monoMs()): void {
    let total = 0;
    for (const [k, hw] of this.highWatermarks) total += Math.max(0, hw - (this.positions.get(k) ?? hw));
    this.series.gauge("lag", total, "max", ms);
  }

  onRequest(durationMs: number, queueSize?: number): void {
    recordUs(this.requestLatencyUs, durationMs * 1000);
    if (queueSize !== undefined && queueSize > this.maxRequestQueueSize) this.maxRequestQueueSize = queueSize;
  }

  /** Processing loop: first message received to last message processed, ms. */
  loopMs(): number | null {
    return this.firstReceiveMs !== null && this.lastProcessedMs !== null ? this.lastProcessedMs - this.firstReceiveMs : null;
  }

  /** Move the series origin (the repetition started): counting restarts from the current totals. */
  setOrigin(originMs: number): void {
    this.series.setOrigin(originMs);
    this.totals.restart([this.consumed, this.bytesConsumed]);
  }

  snapshot(): ConsumerSnapshot {
    const now = monoMs();
    this.totals.roll(now, [this.consumed, this.bytesConsumed]);
    this.sampleLag(now);
    return {
      kind: "consumer",
      counters: {
        consumed: this.consumed,
        bytesConsumed: this.bytesConsumed,
        duplicatesSeen: this.duplicatesSeen,
        untracked: this.untracked,
        processingErrors: this.processingErrors,
        commits: this.commits,
        flushes: this.flushes,
        rebalances: this.rebalances,
        maxRequestQueueSize: this.maxRequestQueueSize,
      },
      loopMs: this.loopMs(),
      firstReceiveMs: this.series.msFromOrigin(this.firstReceiveMs),
      lastProcessedMs: this.series.msFromOrigin(this.lastProcessedMs),
      groupJoinMs: [...this.groupJoinMs],
      positions: Object.fromEntries(this.positions),
      histograms: {
        e2eLatencyUs: encodeHistogram(this.e2eLatencyUs),
        e2eCreateTimeUs: encodeHistogram(this.e2eCreateTimeUs),
        processingUs: encodeHistogram(this.processingUs),
        requestLatencyUs: encodeHistogram(this.requestLatencyUs),
      },
      series: this.series.toJSON(),
      accounting: { received: Object.fromEntries([...this.received].map(([p, c]) => [String(p), c.encode()])), untracked: this.untracked },
      errors: Object.fromEntries(this.errors),
      raw: this.raw,
    };
  }

  destroy(): void {
    for (const h of [this.e2eLatencyUs, this.e2eCreateTimeUs, this.processingUs, this.requestLatencyUs]) destroyHistogram(h);
  }
}

export interface ProducerSnapshot {
  kind: "producer";
  producerIndex: number;
  counters: { sent: number; acked: number; failed: number; bytesSent: number; batches: number; maxRequestQueueSize: number };
  loopMs: number | null;
  firstSendMs: number | null;
  lastAckMs: number | null;
  histograms: Record<"sendLatencyUs" | "batchLatencyUs" | "intendedLatencyUs" | "sendDelayUs" | "requestLatencyUs", string>;
  series: SeriesData;
  accounting: { producerIndex: number; firstSeq: number; sent: number; acked: string };
  errors: Record<string, number>;
  raw: { sendLatencyUs: number[] } | null;
}

export interface ConsumerSnapshot {
  kind: "consumer";
  counters: {
    consumed: number;
    bytesConsumed: number;
    duplicatesSeen: number;
    untracked: number;
    processingErrors: number;
    commits: number;
    flushes: number;
    rebalances: number;
    maxRequestQueueSize: number;
  };
  loopMs: number | null;
  firstReceiveMs: number | null;
  lastProcessedMs: number | null;
  groupJoinMs: number[];
  positions: Record<string, number>;
  histograms: Record<"e2eLatencyUs" | "e2eCreateTimeUs" | "processingUs" | "requestLatencyUs", string>;
  series: SeriesData;
  accounting: { received: Record<string, string>; untracked: number };
  errors: Record<string, number>;
  raw: { e2eLatencyUs: number[] } | null;
}

function errorKey(err: unknown): string {
  const e = err as { name?: string; type?: string; message?: string };
  return e?.type ?? e?.name ?? "Error";
}
