// Imported from their files, not the metrics index: compiled re-exports are getters, called per access.
import { CountArray } from "../metrics/idset";
import { DEFAULT_INTERVAL_MS, SeriesRecorder, TotalsSeries } from "../metrics/series";
import { encodeHistogram } from "../metrics/histogram";
import { LatencyRecorder } from "../metrics/recorder";
import { monoMs } from "../metrics/clock";
import { OffsetLog } from "../metrics/offsets";
import { ContentLog } from "../metrics/content";
import type { ReceiptJournal } from "../metrics/journal";
import type { ConsumerSnapshot, IdCarrier } from "../results/role-result";
import type { LabHeader } from "./headers";
import { errorKey } from "./producer-metrics";

/**
 * Time columns of a consumer's offset records, on the runner's monotonic clock: the receive time, and with
 * an id carrier the send time the message carried (for the cross-check).
 */
export function consumerOffsetColumns(carrier: IdCarrier): string[] {
  return carrier === "offsets" || carrier === "content" ? ["receiveMs"] : ["receiveMs", "carriedSendMs"];
}

/**
 * What an instrumented consumer measures: receipts, end-to-end latency (from the carried send time with an
 * id carrier; from the offset join afterwards without), Kafka's CreateTime latency beside it, processing
 * time, lag, group joins, and the (partition, offset, receive time) of every receipt.
 */
export class ConsumerMetrics {
  readonly e2eLatencyUs = new LatencyRecorder();
  /**
   * Receive time (wall clock) minus Kafka's CreateTime, in µs but only ms-accurate: a cross-check of the
   * exact end-to-end latency on Kafka's own clock, from every 16th receipt (reading CreateTime costs the
   * client a string parse per message).
   */
  readonly e2eCreateTimeUs = new LatencyRecorder();
  readonly processingUs = new LatencyRecorder();
  readonly requestLatencyUs = new LatencyRecorder();
  readonly series: SeriesRecorder;
  /** Times each (producer, seq) was received: receivedIds.get(producerIndex).get(seq). */
  readonly receivedIds = new Map<number, CountArray>();
  readonly offsetLog: OffsetLog;
  /** With the content carrier: the content id and receive time of every receipt. */
  readonly contentLog: ContentLog | null;
  /** Receipts (a message received twice counts twice). */
  received = 0;
  bytesReceived = 0;
  duplicatesSeen = 0;
  untracked = 0;
  processingErrors = 0;
  commits = 0;
  flushes = 0;
  rebalances = 0;
  maxRequestQueueSize = 0;
  readonly groupJoinMs: number[] = [];
  readonly highWatermarks = new Map<string, number>();
  /** The group's committed offset (next to read) per "topic:partition", as this consumer committed it. */
  readonly committedOffsets = new Map<string, number>();
  /** Next offset to process, per topic and partition (last processed + 1). */
  private readonly positionsByTopic = new Map<string, number[]>();
  private lastTopic = "";
  private lastPositions: number[] = [];
  /** Wall clock minus monotonic clock (ms), refreshed every series bucket: CreateTime latency without a Date.now() per message. */
  private wallMinusMono = Date.now() - monoMs();
  /** monoMs() of the first receipt and of the end of the last processing (absolute). */
  firstReceiveMonoMs: number | null = null;
  lastProcessedMonoMs: number | null = null;
  readonly errors = new Map<string, number>();
  readonly raw: { e2eLatencyUs: number[] } | null;
  private readonly totals: TotalsSeries;
  /** Durable record of receipts (flushed before commits): accounting survives a killed consumer. */
  journal: ReceiptJournal | null = null;
  /** This process's clock minus the runner's: offset records are kept on the runner's clock. */
  clockOffsetMs = 0;

  constructor(
    readonly idCarrier: IdCarrier = "offsets",
    originMs: number = monoMs(),
    recordRaw = false,
    intervalMs = DEFAULT_INTERVAL_MS,
  ) {
    this.series = new SeriesRecorder(originMs, intervalMs);
    this.totals = new TotalsSeries(this.series, ["received", "bytesReceived"], (ms) => {
      this.sampleLag(ms);
      this.wallMinusMono = Date.now() - monoMs();
    });
    this.raw = recordRaw ? { e2eLatencyUs: [] } : null;
    this.offsetLog = new OffsetLog(consumerOffsetColumns(idCarrier));
    this.contentLog = idCarrier === "content" ? new ContentLog() : null;
  }

  /** The binary records handed in beside the snapshot: offsets, and content ids with the content carrier. */
  records(): Record<string, Uint8Array> {
    return this.contentLog ? { offsets: this.offsetLog.encode(), content: this.contentLog.encode() } : { offsets: this.offsetLog.encode() };
  }

  /** Record one receipt; returns how many times this message's id has now been seen (1 = first; 1 without an id). */
  onReceive(partition: number, offset: number, id: LabHeader | null, record: { readonly timestamp: number }, bytes: number, ms: number): number {
    if (this.totals.due(ms)) this.totals.roll(ms, [this.received, this.bytesReceived]);
    this.received++;
    this.bytesReceived += bytes;
    if (this.firstReceiveMonoMs === null) this.firstReceiveMonoMs = ms;
    if ((this.received & 15) === 1) this.e2eCreateTimeUs.record((ms + this.wallMinusMono - record.timestamp) * 1000);
    const off = this.clockOffsetMs;
    if (this.idCarrier === "offsets" || this.idCarrier === "content") {
      this.offsetLog.add(partition, offset, ms - off);
      this.journal?.add(partition, offset);
      return 1;
    }
    this.offsetLog.add(partition, offset, ms - off, id ? id.sendMs - off : NaN);
    if (id === null) {
      this.untracked++;
      this.journal?.add(partition, offset);
      return 1;
    }
    this.journal?.add(partition, offset, id.producerIndex, id.seq);
    const us = (ms - id.sendMs) * 1000;
    this.e2eLatencyUs.record(us);
    if (this.raw) this.raw.e2eLatencyUs.push(us);
    let counts = this.receivedIds.get(id.producerIndex);
    if (!counts) this.receivedIds.set(id.producerIndex, (counts = new CountArray(4096)));
    const n = counts.increment(id.seq);
    if (n > 1) {
      this.duplicatesSeen++;
      this.series.add("duplicates", 1, ms);
    }
    return n;
  }

  onProcessed(topic: string, partition: number, offset: number, startMs: number, endMs: number): void {
    this.processingUs.record((endMs - startMs) * 1000);
    this.positionsOf(topic)[partition] = offset + 1;
    this.lastProcessedMonoMs = endMs;
  }

  /** The next-offset array of a topic (cached for the topic of the previous message: one topic is the usual case). */
  private positionsOf(topic: string): number[] {
    if (topic === this.lastTopic) return this.lastPositions;
    let arr = this.positionsByTopic.get(topic);
    if (!arr) this.positionsByTopic.set(topic, (arr = []));
    this.lastTopic = topic;
    this.lastPositions = arr;
    return arr;
  }

  /** Next offset to process per "topic:partition". */
  get positions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [topic, arr] of this.positionsByTopic) arr.forEach((next, p) => next !== undefined && out.set(`${topic}:${p}`, next));
    return out;
  }

  onProcessingError(err: unknown): void {
    this.processingErrors++;
    const key = errorKey(err);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    this.series.add("processingErrors", 1);
  }

  /**
   * A fetched batch: remember the partition's high watermark (and where it starts, until something is
   * processed). Lag is sampled once per series bucket as Σ (high watermark − next offset to process):
   * messages fetched but not yet processed count as lag, unlike kafkajs's own offsetLag.
   */
  onBatch(topic: string, partition: number, highWatermark: number, firstOffset: number): void {
    const k = `${topic}:${partition}`;
    this.highWatermarks.set(k, highWatermark);
    const arr = this.positionsOf(topic);
    if (arr[partition] === undefined) arr[partition] = firstOffset;
    if (!this.committedOffsets.has(k)) this.committedOffsets.set(k, firstOffset); // where the group started
  }

  /** An offset commit succeeded: `offset` (the next to read) of "topic:partition" is the group's now. */
  onCommitted(key: string, offset: number): void {
    this.committedOffsets.set(key, offset);
  }

  /**
   * Lag per bucket, two ways: processed lag (high watermark − the next offset this consumer will process)
   * and committed lag (high watermark − the group's committed offset: what Kafdrop and kafka-consumer-groups
   * show, a sawtooth that drops at each commit).
   */
  /** Messages fetched (delivered) but not processed yet, now: Σ (high watermark − next offset to process). */
  buffered(): number {
    let total = 0;
    const positions = this.positions;
    for (const [k, hw] of this.highWatermarks) total += Math.max(0, hw - (positions.get(k) ?? hw));
    return total;
  }

  sampleLag(ms: number = monoMs()): void {
    let total = 0;
    let committed = 0;
    const positions = this.positions;
    for (const [k, hw] of this.highWatermarks) {
      total += Math.max(0, hw - (positions.get(k) ?? hw));
      committed += Math.max(0, hw - (this.committedOffsets.get(k) ?? hw));
    }
    this.series.gauge("lag", total, "max", ms);
    this.series.gauge("committedLag", committed, "max", ms);
  }

  onRequest(durationMs: number, queueSize?: number): void {
    this.requestLatencyUs.record(durationMs * 1000);
    if (queueSize !== undefined && queueSize > this.maxRequestQueueSize) this.maxRequestQueueSize = queueSize;
  }

  /** Processing loop: first message received to last message processed, ms. */
  loopMs(): number | null {
    return this.firstReceiveMonoMs !== null && this.lastProcessedMonoMs !== null ? this.lastProcessedMonoMs - this.firstReceiveMonoMs : null;
  }

  /** Move the series origin (the repetition started): counting restarts from the current totals. */
  setOrigin(originMs: number): void {
    this.series.setOrigin(originMs);
    this.totals.restart([this.received, this.bytesReceived]);
  }

  snapshot(): ConsumerSnapshot {
    const now = monoMs();
    this.totals.roll(now, [this.received, this.bytesReceived]);
    this.sampleLag(now);
    return {
      kind: "consumer",
      idCarrier: this.idCarrier,
      counters: {
        received: this.received,
        bytesReceived: this.bytesReceived,
        duplicatesSeen: this.duplicatesSeen,
        untracked: this.untracked,
        processingErrors: this.processingErrors,
        commits: this.commits,
        flushes: this.flushes,
        rebalances: this.rebalances,
        maxRequestQueueSize: this.maxRequestQueueSize,
      },
      loopMs: this.loopMs(),
      firstReceiveAtMs: this.series.msFromOrigin(this.firstReceiveMonoMs),
      lastProcessedAtMs: this.series.msFromOrigin(this.lastProcessedMonoMs),
      groupJoinMs: [...this.groupJoinMs],
      positions: Object.fromEntries(this.positions),
      histograms: {
        e2eLatencyUs: encodeHistogram(this.e2eLatencyUs.toHistogram()),
        e2eCreateTimeUs: encodeHistogram(this.e2eCreateTimeUs.toHistogram()),
        processingUs: encodeHistogram(this.processingUs.toHistogram()),
        requestLatencyUs: encodeHistogram(this.requestLatencyUs.toHistogram()),
      },
      series: this.series.toJSON(),
      accounting: { received: Object.fromEntries([...this.receivedIds].map(([p, c]) => [String(p), c.encode()])), untracked: this.untracked },
      offsets: { count: this.offsetLog.count, columns: this.offsetLog.columns },
      errors: Object.fromEntries(this.errors),
      raw: this.raw,
    };
  }

  /** Release what the metrics hold (nothing to free since the recorders are plain arrays). */
  destroy(): void {}
}
