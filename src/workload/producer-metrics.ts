// Imported from their files, not the metrics index: compiled re-exports are getters, called per access.
import { BitSet } from "../metrics/idset";
import { DEFAULT_INTERVAL_MS, SeriesRecorder, TotalsSeries } from "../metrics/series";
import { encodeHistogram } from "../metrics/histogram";
import { LatencyRecorder } from "../metrics/recorder";
import { monoMs } from "../metrics/clock";
import { OffsetLog } from "../metrics/offsets";
import type { IdCarrier, ProducerSnapshot } from "../results/role-result";
import type { Batch } from "./batch";
import { PRODUCER_OFFSET_COLUMNS } from "../results/join";


/**
 * What an instrumented producer measures, in one typed home: histograms (µs), counters, the time series,
 * the (partition, offset, send time) of every acknowledged message, and — with an id carrier — the set of
 * acknowledged message ids. `snapshot()` serializes it for the runner; `offsetLog` goes beside it.
 */
export class ProducerMetrics {
  readonly sendLatencyUs = new LatencyRecorder();
  readonly batchLatencyUs = new LatencyRecorder();
  /** Only with a target rate: ack time minus the *intended* send time (coordinated omission corrected). */
  readonly intendedLatencyUs = new LatencyRecorder();
  /** Only with a target rate: how late each send() call was against its schedule. */
  readonly sendDelayUs = new LatencyRecorder();
  readonly requestLatencyUs = new LatencyRecorder();
  readonly series: SeriesRecorder;
  readonly acked = new BitSet(4096);
  readonly offsetLog = new OffsetLog(PRODUCER_OFFSET_COLUMNS);
  sent = 0;
  ackedCount = 0;
  failed = 0;
  bytesSent = 0;
  batches = 0;
  maxRequestQueueSize = 0;
  /** monoMs() of the first send() and the last ack (absolute; snapshots give them since the origin). */
  firstSendMonoMs: number | null = null;
  lastAckMonoMs: number | null = null;
  readonly errors = new Map<string, number>();
  readonly raw: { sendLatencyUs: number[] } | null;
  private seq = 0;
  /** First id of this window: accounting covers ids seqBase … seqBase+sent-1. */
  seqBase = 0;
  /** This process's clock minus the runner's: offset records are kept on the runner's clock. */
  clockOffsetMs = 0;
  private readonly totals: TotalsSeries;

  constructor(
    readonly producerIndex: number,
    readonly idCarrier: IdCarrier = "offsets",
    originMs: number = monoMs(),
    recordRaw = false,
    intervalMs = DEFAULT_INTERVAL_MS,
  ) {
    this.series = new SeriesRecorder(originMs, intervalMs);
    this.totals = new TotalsSeries(this.series, ["sent", "bytesSent"]);
    this.raw = recordRaw ? { sendLatencyUs: [] } : null;
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** Empty metrics for a new window that keep counting ids where these stopped (ids stay unique). */
  fresh(originMs: number): ProducerMetrics {
    const m = new ProducerMetrics(this.producerIndex, this.idCarrier, originMs, this.raw !== null, this.series.intervalMs);
    m.clockOffsetMs = this.clockOffsetMs;
    m.seq = this.seq;
    m.seqBase = this.seq;
    return m;
  }

  onSend(bytes: number, ms: number): void {
    if (this.totals.due(ms)) this.totals.roll(ms, [this.sent, this.bytesSent]);
    this.sent++;
    this.bytesSent += bytes;
    if (this.firstSendMonoMs === null) this.firstSendMonoMs = ms;
  }

  /** Move the series origin (the repetition started): counting restarts from the current totals. */
  setOrigin(originMs: number): void {
    this.series.setOrigin(originMs);
    this.totals.restart([this.sent, this.bytesSent]);
  }

  /**
   * One acknowledged batch: per message its send→ack latency (and, at a target rate, the latency from its
   * intended time), its id (id carriers) and its offset base + i (when the broker gave one).
   */
  onAckedBatch(batch: Batch, baseOffset: number | null, startMs: number, endMs: number): void {
    const n = batch.size;
    const send = batch.sendMs;
    this.batches++;
    this.batchLatencyUs.record((endMs - startMs) * 1000);
    this.series.gauge("batchSize", n, "max", endMs);
    this.series.add("acked", n, endMs);
    for (let i = 0; i < n; i++) {
      const us = (endMs - send[i]!) * 1000;
      this.sendLatencyUs.record(us);
      if (this.raw) this.raw.sendLatencyUs.push(us);
    }
    const intended = batch.intendedMs;
    if (intended) {
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(intended[i]!)) continue;
        this.intendedLatencyUs.record((endMs - intended[i]!) * 1000);
        this.sendDelayUs.record((send[i]! - intended[i]!) * 1000);
      }
    }
    if (batch.seqs) for (const s of batch.seqs) this.acked.add(s);
    if (baseOffset !== null) this.offsetLog.addRun(batch.partition, baseOffset, send, n, this.clockOffsetMs);
    this.ackedCount += n;
    this.lastAckMonoMs = endMs;
  }

  onFailure(count: number, err: unknown): void {
    this.failed += count;
    const key = errorKey(err);
    this.errors.set(key, (this.errors.get(key) ?? 0) + count);
    this.series.add("failed", count);
  }

  onRequest(durationMs: number, queueSize?: number): void {
    this.requestLatencyUs.record(durationMs * 1000);
    if (queueSize !== undefined && queueSize > this.maxRequestQueueSize) this.maxRequestQueueSize = queueSize;
  }

  /** Wall time of the publish loop: first send() to last ack, ms (null before any ack). */
  loopMs(): number | null {
    return this.firstSendMonoMs !== null && this.lastAckMonoMs !== null ? this.lastAckMonoMs - this.firstSendMonoMs : null;
  }

  snapshot(): ProducerSnapshot {
    this.totals.roll(monoMs(), [this.sent, this.bytesSent]);
    return {
      kind: "producer",
      producerIndex: this.producerIndex,
      idCarrier: this.idCarrier,
      counters: { sent: this.sent, acked: this.ackedCount, failed: this.failed, bytesSent: this.bytesSent, batches: this.batches, maxRequestQueueSize: this.maxRequestQueueSize },
      loopMs: this.loopMs(),
      firstSendAtMs: this.series.msFromOrigin(this.firstSendMonoMs),
      lastAckAtMs: this.series.msFromOrigin(this.lastAckMonoMs),
      histograms: {
        sendLatencyUs: encodeHistogram(this.sendLatencyUs.toHistogram()),
        batchLatencyUs: encodeHistogram(this.batchLatencyUs.toHistogram()),
        intendedLatencyUs: encodeHistogram(this.intendedLatencyUs.toHistogram()),
        sendDelayUs: encodeHistogram(this.sendDelayUs.toHistogram()),
        requestLatencyUs: encodeHistogram(this.requestLatencyUs.toHistogram()),
      },
      series: this.series.toJSON(),
      accounting: { producerIndex: this.producerIndex, firstSeq: this.seqBase, sent: this.sent, acked: this.acked.encode() },
      offsets: { count: this.offsetLog.count, columns: PRODUCER_OFFSET_COLUMNS },
      errors: Object.fromEntries(this.errors),
      raw: this.raw,
    };
  }

  /** Release what the metrics hold (kept for callers of the earlier WebAssembly histograms; nothing to free now). */
  destroy(): void {}
}

export function errorKey(err: unknown): string {
  const e = err as { name?: string; type?: string; message?: string };
  return e?.type ?? e?.name ?? "Error";
}
