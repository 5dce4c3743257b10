import "./kafkajs-headers"; // before kafkajs encodes its first record: a faster header encoder, same bytes
import { CompressionTypes, Kafka, Partitioners, type Admin, type Message, type PartitionMetadata, type Producer } from "kafkajs";
import { InputError, PerfLabError } from "../errors";
import { kafkaClientConfig, type KafkaConnection } from "../kafka/connection";
import { defaultKafkajsLog, fileLogCreator } from "../kafka/logging";
import { registerCodecs, compressionType, type Compression } from "./codecs";
import { roleContext } from "./context";
import { appendTrailer, encodeLabHeader, LAB_HEADER, type IdCarrier } from "./headers";
import { monoMs } from "../metrics/clock";
import { Events, Instrumentation } from "./instrumentation";
import { ProducerMetrics } from "./metrics";

export type Acks = -1 | 0 | 1;

export interface InstrumentedProducerOptions {
  /** Where to connect (or pass a ready kafkajs client as `kafka`). Inside a role, defaults to the run's cluster. */
  connection?: KafkaConnection;
  kafka?: Kafka;
  clientId?: string;
  /** Default topic for `send()`; inside a role, the run's topic. */
  topic?: string;
  acks?: Acks;
  compression?: Compression;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  /** Messages per `sendBatch` at most (Kafka's batch.size, counted in messages). Default 100. */
  batchSize?: number;
  /** Bytes per `sendBatch` at most (keys + values). Default 1 MiB. */
  batchBytes?: number;
  /** How long a batch may wait for more messages, ms (Kafka's linger.ms). 0: send what a tick produced. */
  lingerMs?: number;
  /** Buffered + in-flight messages before `waitForCapacity()` blocks (Kafka's buffer.memory). Default 10 × batchSize, at least 1000. */
  maxBufferedMessages?: number;
  /** Id space for message accounting; unique per producer in a run. Inside a role it is assigned. */
  producerIndex?: number;
  /** Keep every send latency too (for raw-sample exports); histograms are always kept. */
  recordRaw?: boolean;
  /** kafkajs log lines go to this file (default: none). */
  logFile?: string;
  /** Inside a role, report metrics to it (default true). The lab's built-in roles manage their own. */
  reportToRole?: boolean;
  /** Where the lab's id and send time travel: a record header (default) or a value trailer (cheaper; see headers.ts). */
  idCarrier?: IdCarrier;
}

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
}

interface Pending {
  message: Message;
  seq: number;
  sendMs: number;
  intendedMs: number | null;
  /** Only for send(): enqueue() skips the per-message promise. */
  resolve: (() => void) | null;
  reject: ((err: unknown) => void) | null;
}

interface Accumulator {
  topic: string;
  partition: number;
  pending: Pending[];
  bytes: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
}

interface Queued {
  message: OutgoingMessage;
  opts: { topic?: string; intendedMs?: number };
  resolve: Pending["resolve"];
  reject: Pending["reject"];
}

/**
 * A kafkajs producer with the batching kafkajs lacks (batch size / linger per partition, like the Java
 * client's batch.size and linger.ms), message ids and high-resolution send timestamps in headers, and
 * per-message send→ack latency, per-batch latency and — with a target rate — coordinated-omission-corrected
 * latency.
 *
 * Every `sendBatch` carries one partition. Besides matching the Java client's per-partition batches, this
 * avoids a kafkajs 2.2.4 bug that loses acknowledged messages: a sendBatch spanning several brokers keeps
 * the responses of the brokers that succeeded across retries, so after a leader moves to one of them the
 * retry sends nothing for the moved partition and still resolves (kafkajs#1303, kafkajs PR #1798).
 * Measured with notebook 8's broker kill: hundreds of "acked" messages missing with acks=-1 before, none after.
 */
export class InstrumentedProducer {
  private _metrics: ProducerMetrics;
  readonly events = new Instrumentation();
  readonly options: Required<Pick<InstrumentedProducerOptions, "acks" | "compression" | "idempotent" | "batchSize" | "batchBytes" | "lingerMs" | "maxBufferedMessages">>;
  private readonly producer: Producer;
  private readonly topic: string | undefined;
  /** Batches being accumulated: per topic, indexed by partition. */
  private readonly accumulators = new Map<string, Accumulator[]>();
  private readonly partitionCounts = new Map<string, number>();
  private readonly metadataWaiting = new Map<string, Queued[]>();
  /** Keyless messages stick to one partition until its batch is sent (the Java client's sticky partitioner). */
  private readonly sticky = new Map<string, number>();
  private readonly keyed = Partitioners.DefaultPartitioner();
  private readonly admin: Admin;
  private outstanding = 0;
  private inFlight = new Set<Promise<void>>();
  private capacityWaiters: Array<() => void> = [];
  private connected = false;
  private readonly carrier: IdCarrier;

  constructor(opts: InstrumentedProducerOptions = {}) {
    const ctx = roleContext();
    const acks = opts.acks ?? -1;
    const idempotent = opts.idempotent ?? false;
    if (idempotent && acks !== -1) throw new InputError("BAD_OPTION", `idempotent makes no sense without acks=-1 (got acks=${acks})`, { field: "idempotent" });
    const batchSize = opts.batchSize ?? 100;
    this.options = {
      acks,
      compression: opts.compression ?? "none",
      idempotent,
      batchSize,
      batchBytes: opts.batchBytes ?? 1024 * 1024,
      lingerMs: opts.lingerMs ?? 0,
      maxBufferedMessages: opts.maxBufferedMessages ?? Math.max(1000, 10 * batchSize),
    };
    registerCodecs();
    compressionType(this.options.compression); // validates the name
    const connection = opts.connection ?? ctx?.connection;
    if (!opts.kafka && !connection) throw new InputError("BAD_OPTION", "InstrumentedProducer needs `connection` or `kafka` (outside a role)", { field: "connection" });
    const kafka =
      opts.kafka ??
      new Kafka(kafkaClientConfig(connection!, opts.clientId ?? ctx?.roleId ?? "perflab-producer", { logCreator: fileLogCreator(opts.logFile ?? defaultKafkajsLog()) }));
    this.admin = kafka.admin();
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      maxInFlightRequests: opts.maxInFlightRequests,
      allowAutoTopicCreation: false,
    });
    this.topic = opts.topic ?? ctx?.topic;
    this.carrier = opts.idCarrier ?? "header";
    const producerIndex = opts.producerIndex ?? ctx?.allocateProducerIndex() ?? 0;
    this._metrics = new ProducerMetrics(producerIndex, ctx?.originMs ?? monoMs(), opts.recordRaw ?? ctx?.recordRaw ?? false, ctx?.seriesIntervalMs);
    this.producer.on(this.producer.events.REQUEST, (e) => {
      if (e.payload.apiName === "Produce") this.metrics.onRequest(e.payload.duration);
    });
    this.producer.on(this.producer.events.REQUEST_QUEUE_SIZE, (e) => this.metrics.onRequest(0, e.payload.queueSize));
    if (opts.reportToRole !== false) ctx?.register({ kind: "producer", snapshot: () => this.metrics.snapshot(), destroy: () => this.metrics.destroy() });
  }

  /** What this producer measured since it was created or since the last `resetMetrics()`. */
  get metrics(): ProducerMetrics {
    return this._metrics;
  }

  /** Start a new measurement window (same connection): new histograms, counters, series origin. Ids keep counting. */
  resetMetrics(originMs: number = monoMs()): ProducerMetrics {
    if (this.outstanding > 0) throw new PerfLabError("IN_FLIGHT", `resetMetrics() with ${this.outstanding} messages in flight: await flush() first`);
    const old = this._metrics;
    this._metrics = old.fresh(originMs);
    old.destroy();
    return this._metrics;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    await this.admin.connect();
    this.connected = true;
    if (this.topic) await this.prepareTopic(this.topic);
  }

  /** Load a topic's partition count before sending to it (messages sent earlier wait for it). */
  async prepareTopic(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const n = md.topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new PerfLabError("UNKNOWN_TOPIC", `topic ${topic} has no partitions (does it exist?)`);
    this.partitionCounts.set(topic, n);
    return n;
  }

  /** Messages accumulated or in flight, not yet acknowledged. */
  get buffered(): number {
    return this.outstanding;
  }

  /** Resolves once fewer than `maxBufferedMessages` are outstanding: the back-pressure point of a send loop. */
  waitForCapacity(): Promise<void> {
    if (this.outstanding < this.options.maxBufferedMessages) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Queue a message; the promise settles when its batch is acknowledged (or fails after kafkajs' retries).
   * `intendedMs` is the `monoMs()` time the message was *scheduled* for, when sending at a target rate.
   */
  send(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => this.queue(message, opts, resolve, reject));
  }

  /**
   * Queue a message without a promise of its own: the cheapest path for send loops that only need
   * the metrics (a failure is counted there, by error kind). Throws only for a missing topic.
   */
  enqueue(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number } = {}): void {
    this.queue(message, opts, null, null);
  }

  private queue(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number }, resolve: Pending["resolve"], reject: Pending["reject"]): void {
    const topic = opts.topic ?? this.topic;
    if (!topic) {
      const err = new InputError("BAD_OPTION", "send() needs a topic (none given and no default topic)", { field: "topic" });
      if (reject) return reject(err);
      throw err;
    }
    const partitions = this.partitionCounts.get(topic);
    if (partitions === undefined) return this.waitForMetadata(topic, { message, opts, resolve, reject });
    const partition = this.partitionFor(topic, partitions, message);
    const sendMs = monoMs();
    const m = this._metrics;
    const seq = m.nextSeq();
    let headers = message.headers;
    let value = message.value;
    if (this.carrier === "header") {
      const lab = encodeLabHeader(m.producerIndex, seq, sendMs);
      headers = headers ? { ...headers, [LAB_HEADER]: lab } : { [LAB_HEADER]: lab };
    } else {
      value = appendTrailer(value, m.producerIndex, seq, sendMs);
    }
    const bytes = byteLength(message.key) + byteLength(message.value);
    m.onSend(bytes, sendMs);
    this.outstanding++;
    let byPartition = this.accumulators.get(topic);
    if (!byPartition) this.accumulators.set(topic, (byPartition = []));
    let acc = byPartition[partition];
    if (!acc) byPartition[partition] = acc = { topic, partition, pending: [], bytes: 0, timer: null };
    acc.pending.push({
      message: { key: message.key ?? null, value, headers, partition },
      seq,
      sendMs,
      intendedMs: opts.intendedMs ?? null,
      resolve,
      reject,
    });
    acc.bytes += bytes;
    if (acc.pending.length >= this.options.batchSize || acc.bytes >= this.options.batchBytes) {
      this.sendAccumulated(acc);
    } else if (acc.timer === null) {
      const a = acc;
      a.timer = this.options.lingerMs > 0 ? setTimeout(() => this.sendAccumulated(a), this.options.lingerMs) : setImmediate(() => this.sendAccumulated(a));
    }
  }

  /** The partition of a message: its own, the key's (Java-compatible murmur2), else the sticky one. */
  private partitionFor(topic: string, partitions: number, message: OutgoingMessage): number {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key !== undefined && message.key !== null) {
      return this.keyed({ topic, partitionMetadata: PARTITION_METADATA(partitions), message: { key: message.key, value: null } });
    }
    let p = this.sticky.get(topic);
    if (p === undefined) this.sticky.set(topic, (p = Math.floor(Math.random() * partitions)));
    return p;
  }

  private waitForMetadata(topic: string, q: Queued): void {
    let waiting = this.metadataWaiting.get(topic);
    if (waiting) return void waiting.push(q);
    this.metadataWaiting.set(topic, (waiting = [q]));
    this.outstanding++; // counts as buffered until the metadata is there
    this.prepareTopic(topic).then(
      () => {
        this.metadataWaiting.delete(topic);
        this.outstanding--;
        for (const w of waiting!) this.queue(w.message, w.opts, w.resolve, w.reject);
      },
      (err) => {
        this.metadataWaiting.delete(topic);
        this.outstanding--;
        this._metrics.onFailure(waiting!.length, err);
        for (const w of waiting!) w.reject?.(err);
        this.releaseCapacity();
      },
    );
  }

  /** Send everything accumulated now and wait until every message sent so far is acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.metadataWaiting.size > 0) await new Promise((r) => setTimeout(r, 5));
    for (const byPartition of this.accumulators.values()) for (const acc of byPartition) if (acc) this.sendAccumulated(acc);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Flush, then disconnect. */
  async disconnect(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.connected) {
        await this.producer.disconnect();
        await this.admin.disconnect();
      }
      this.connected = false;
    }
  }

  private sendAccumulated(acc: Accumulator): void {
    if (acc.timer !== null) {
      clearTimeout(acc.timer as NodeJS.Timeout);
      clearImmediate(acc.timer as NodeJS.Immediate);
      acc.timer = null;
    }
    if (acc.pending.length === 0) return;
    const batch = acc.pending;
    acc.pending = [];
    acc.bytes = 0;
    // A full batch moves keyless messages on to another partition (sticky partitioning).
    const n = this.partitionCounts.get(acc.topic) ?? 1;
    if (this.sticky.get(acc.topic) === acc.partition && n > 1) this.sticky.set(acc.topic, (acc.partition + 1 + Math.floor(Math.random() * (n - 1))) % n);
    const p = this.sendBatch(acc.topic, batch);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async sendBatch(topic: string, batch: Pending[]): Promise<void> {
    const startMs = monoMs();
    const m = this._metrics;
    const payload = { topic, partition: batch[0]?.message.partition, count: batch.length };
    if (this.events.has(Events.PRODUCER_BATCH_START)) this.events.emit(Events.PRODUCER_BATCH_START, payload);
    try {
      if (!this.connected) throw new PerfLabError("NOT_CONNECTED", "InstrumentedProducer.send() before connect()");
      await this.producer.sendBatch({
        topicMessages: [{ topic, messages: batch.map((b) => b.message) }],
        acks: this.options.acks,
        compression: compressionType(this.options.compression),
      });
      const endMs = monoMs();
      m.onBatch(batch.length, startMs, endMs);
      for (const b of batch) {
        m.onAck(b.seq, b.sendMs, endMs, b.intendedMs);
        if (b.resolve) b.resolve();
      }
      if (this.events.has(Events.PRODUCER_BATCH_END)) this.events.emit(Events.PRODUCER_BATCH_END, { ...payload, durationUs: (endMs - startMs) * 1000 });
    } catch (err) {
      m.onFailure(batch.length, err);
      this.events.emit(Events.PRODUCER_BATCH_ERROR, { ...payload, error: (err as Error)?.message });
      for (const b of batch) if (b.reject) b.reject(err);
    } finally {
      this.outstanding -= batch.length;
      this.releaseCapacity();
    }
  }

  private releaseCapacity(): void {
    if (this.outstanding < this.options.maxBufferedMessages) {
      const waiters = this.capacityWaiters;
      this.capacityWaiters = [];
      for (const w of waiters) w();
    }
  }
}

const metadataCache = new Map<number, PartitionMetadata[]>();
/** Partition metadata as kafkajs's partitioner wants it; only the count matters for keyed messages. */
function PARTITION_METADATA(n: number): PartitionMetadata[] {
  let m = metadataCache.get(n);
  if (!m) metadataCache.set(n, (m = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))));
  return m;
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

export function createInstrumentedProducer(opts: InstrumentedProducerOptions = {}): InstrumentedProducer {
  return new InstrumentedProducer(opts);
}

export { CompressionTypes };
