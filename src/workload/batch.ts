import type { WireMessage } from "../clients/types";

/** Something waiting for one message's acknowledgement (send()); enqueue() has none. */
export interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One partition's batch, as parallel arrays (no object per message besides the message itself): the
 * messages, when each was handed to send(), when it was scheduled (rate-limited loops only), the lab's
 * id per message (id carriers only) and the waiters of send() calls.
 */
export class Batch {
  readonly messages: WireMessage[] = [];
  readonly sendMs: number[] = [];
  intendedMs: number[] | null = null;
  seqs: number[] | null = null;
  waiters: Array<Waiter | null> | null = null;
  bytes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get size(): number {
    return this.messages.length;
  }

  add(message: WireMessage, bytes: number, sendMs: number, intendedMs: number | undefined, seq: number | undefined, waiter: Waiter | null): void {
    const i = this.messages.length;
    this.messages.push(message);
    this.sendMs.push(sendMs);
    if (intendedMs !== undefined) (this.intendedMs ??= new Array(i).fill(NaN)).push(intendedMs);
    else this.intendedMs?.push(NaN);
    if (seq !== undefined) (this.seqs ??= []).push(seq);
    if (waiter) (this.waiters ??= new Array(i).fill(null)).push(waiter);
    else this.waiters?.push(null);
    this.bytes += bytes;
  }
}

/** One open batch of a partition and the timer that will send it. */
interface Slot {
  batch: Batch;
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
}

/** A topic's batching state: its partition count, sticky partition and open batches (one object, looked up once per topic change). */
export class TopicBatches {
  sticky = -1;
  readonly open: Array<Slot | undefined> = [];

  constructor(
    readonly topic: string,
    readonly partitions: number,
  ) {}
}

/**
 * The batching kafkajs lacks, per partition like the Java client: messages accumulate up to `batchSize`
 * messages or `batchBytes`, or until `lingerMs` (0: what one tick of the event loop produced), then the
 * batch goes out as one request. Keyless messages stick to one partition until its batch is sent (the
 * Java client's sticky partitioner).
 */
export class PartitionBatcher {
  private readonly topics = new Map<string, TopicBatches>();

  constructor(
    private readonly limits: { batchSize: number; batchBytes: number; lingerMs: number },
    private readonly ready: (batch: Batch) => void,
  ) {}

  /** The batching state of a topic with `partitions` partitions (created on first use). */
  topic(topic: string, partitions: number): TopicBatches {
    let t = this.topics.get(topic);
    if (!t) this.topics.set(topic, (t = new TopicBatches(topic, partitions)));
    return t;
  }

  /** The partition for a keyless message: the sticky one of the topic. */
  stickyPartition(t: TopicBatches): number {
    if (t.sticky < 0) t.sticky = Math.floor(Math.random() * t.partitions);
    return t.sticky;
  }

  add(t: TopicBatches, partition: number, message: WireMessage, bytes: number, sendMs: number, intendedMs: number | undefined, seq: number | undefined, waiter: Waiter | null): void {
    let slot = t.open[partition];
    if (!slot) t.open[partition] = slot = { batch: new Batch(t.topic, partition), timer: null };
    slot.batch.add(message, bytes, sendMs, intendedMs, seq, waiter);
    if (slot.batch.size >= this.limits.batchSize || slot.batch.bytes >= this.limits.batchBytes) {
      this.release(t, partition);
    } else if (slot.timer === null) {
      slot.timer = this.limits.lingerMs > 0 ? setTimeout(() => this.release(t, partition), this.limits.lingerMs) : setImmediate(() => this.release(t, partition));
    }
  }

  /** Send every open batch now. */
  releaseAll(): void {
    for (const t of this.topics.values()) t.open.forEach((slot, partition) => slot && this.release(t, partition));
  }

  private release(t: TopicBatches, partition: number): void {
    const slot = t.open[partition];
    if (!slot) return;
    if (slot.timer !== null) {
      clearTimeout(slot.timer as NodeJS.Timeout);
      clearImmediate(slot.timer as NodeJS.Immediate);
    }
    t.open[partition] = undefined;
    if (slot.batch.size === 0) return;
    // A full batch moves keyless messages on to another partition (sticky partitioning).
    if (t.sticky === partition && t.partitions > 1) t.sticky = (partition + 1 + Math.floor(Math.random() * (t.partitions - 1))) % t.partitions;
    this.ready(slot.batch);
  }
}
