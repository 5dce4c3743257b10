import { clientAdapter, COMPRESSIONS, partitionForKey, type Acks, type ClientName, type Compression, type ProducerClient, type WireMessage } from "../clients";
import { InputError, PerfLabError } from "../errors";
import type { BrokerConnection } from "../clients/connection";
import { defaultKafkajsLog } from "../kafka/logging";
import { monoMs } from "../metrics/clock";
import type { IdCarrier } from "../results/role-result";
import { PartitionBatcher, type Batch, type TopicBatches, type Waiter } from "./batch";
import { roleContext } from "./context";
import { appendTrailer, encodeLabHeader, LAB_HEADER } from "./headers";
import { Events, Instrumentation } from "./instrumentation";
import { ProducerMetrics } from "./producer-metrics";

export type { Acks, Compression } from "../clients";

export interface InstrumentedProducerOptions {
  /** Where to connect. Inside a role, defaults to the run's cluster. */
  /** A Kafka cluster, or a RabbitMQ node with client "amqplib" (inside a role: the run's). */
  connection?: BrokerConnection;
  /** The Kafka client to drive: "kafkajs" (default) or "platformatic" — or a client of your own (clients/types.ts). */
  client?: ClientName | ProducerClient;
  clientId?: string;
  /** Default topic for `send()`; inside a role, the run's topic. */
  topic?: string;
  acks?: Acks;
  compression?: Compression;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  /** Messages per request at most (Kafka's batch.size, counted in messages), per partition. Default 100. */
  batchSize?: number;
  /** Bytes per request at most (keys + values). Default 1 MiB. */
  batchBytes?: number;
  /** How long a batch may wait for more messages, ms (Kafka's linger.ms). 0: send what a tick produced. */
  lingerMs?: number;
  /** Buffered + in-flight messages before `waitForCapacity()` blocks (Kafka's buffer.memory). Default 10 × batchSize, at least 1000. */
  maxBufferedMessages?: number;
  /** Id space for message accounting; unique per producer in a run. Inside a role it is assigned. */
  producerIndex?: number;
  /** Keep every send latency too (for raw-sample exports); histograms are always kept. */
  recordRaw?: boolean;
  /** The client's log lines go to this file (default: `.perflab/logs/kafkajs.log`). */
  logFile?: string;
  /** Inside a role, report metrics to it (default true). The lab's built-in roles manage their own. */
  reportToRole?: boolean;
  /**
   * How messages are identified for accounting and end-to-end latency: "offsets" (default with acks 1
   * and -1: the broker's offsets, nothing added to your messages), "header" (a 16-byte `plab` header) or
   * "trailer" (24 bytes appended to the value, stripped before your handler sees it). acks 0 returns no
   * offsets, so it needs a header or trailer (default "header").
   */
  idCarrier?: IdCarrier;
}

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
}

interface Queued {
  message: OutgoingMessage;
  opts: { topic?: string; intendedMs?: number };
  waiter: Waiter | null;
}

/**
 * A Kafka producer with per-partition batching (batch size / linger, like the Java client), per-message
 * send→ack latency, per-batch latency and — with a target rate — coordinated-omission-corrected latency,
 * and exact accounting: every acknowledged message's (partition, offset, send time), and with an id carrier
 * its id. It drives any client of clients/ (kafkajs by default); one request carries one partition.
 */
export class InstrumentedProducer {
  private _metrics: ProducerMetrics;
  readonly events = new Instrumentation();
  readonly options: Required<Pick<InstrumentedProducerOptions, "acks" | "compression" | "idempotent" | "batchSize" | "batchBytes" | "lingerMs" | "maxBufferedMessages" | "idCarrier">>;
  private readonly client: ProducerClient;
  private readonly topic: string | undefined;
  private readonly batcher: PartitionBatcher;
  /** The topic of the previous message (one topic is the usual case: no map lookup per message). */
  private lastTopic: TopicBatches | null = null;
  /** Whether the client reads each message's topic (platformatic) or takes it per request (kafkajs). */
  private readonly topicPerMessage: boolean;
  private readonly partitionCounts = new Map<string, number>();
  private readonly metadataWaiting = new Map<string, Queued[]>();
  private readonly clockOffsetMs: number;
  private outstanding = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private capacityWaiters: Array<() => void> = [];
  private connected = false;

  constructor(opts: InstrumentedProducerOptions = {}) {
    const ctx = roleContext();
    this.options = resolveOptions(opts, ctx?.idCarrier);
    const connection = opts.connection ?? ctx?.rabbitmq ?? ctx?.connection;
    if (typeof opts.client !== "object" && !connection) throw new InputError("BAD_OPTION", "InstrumentedProducer needs `connection` (outside a role)", { field: "connection" });
    this.client =
      typeof opts.client === "object"
        ? opts.client
        : clientAdapter(opts.client ?? "kafkajs").producer({ connection: connection!, clientId: opts.clientId ?? ctx?.roleId ?? "perflab-producer", logFile: opts.logFile ?? defaultKafkajsLog(), idempotent: this.options.idempotent, maxInFlightRequests: opts.maxInFlightRequests });
    this.topic = opts.topic ?? ctx?.topic;
    this.topicPerMessage = this.client.topicPerMessage === true;
    this.clockOffsetMs = ctx?.clockOffsetMs ?? 0;
    this.batcher = new PartitionBatcher(this.options, (b) => this.dispatch(b));
    const producerIndex = opts.producerIndex ?? ctx?.allocateProducerIndex() ?? 0;
    this._metrics = new ProducerMetrics(producerIndex, this.options.idCarrier, ctx?.originMs ?? monoMs(), opts.recordRaw ?? ctx?.recordRaw ?? false, ctx?.seriesIntervalMs);
    this._metrics.clockOffsetMs = this.clockOffsetMs;
    this.client.onRequest((ms, q) => this._metrics.onRequest(ms, q));
    if (opts.reportToRole !== false) ctx?.register({ kind: "producer", snapshot: () => this.metrics.snapshot(), attachments: () => ({ offsets: this.metrics.offsetLog.encode() }), destroy: () => this.metrics.destroy() });
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
    await this.client.connect();
    this.connected = true;
    if (this.topic) await this.prepareTopic(this.topic);
  }

  /** Load a topic's partition count before sending to it (messages sent earlier wait for it). */
  async prepareTopic(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const n = await this.client.partitionCount(topic);
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
   * Queue a message; the promise settles when its batch is acknowledged (or fails after the client's
   * retries). `intendedMs` is the `monoMs()` time the message was *scheduled* for, at a target rate.
   */
  send(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => this.queue(message, opts, { resolve, reject }));
  }

  /**
   * Queue a message without a promise of its own: the cheapest path for send loops that only need the
   * metrics (a failure is counted there, by error kind). Throws only for a missing topic.
   */
  enqueue(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number } = {}): void {
    this.queue(message, opts, null);
  }

  private queue(message: OutgoingMessage, opts: { topic?: string; intendedMs?: number }, waiter: Waiter | null): void {
    const topic = opts.topic ?? this.topic;
    if (!topic) {
      const err = new InputError("BAD_OPTION", "send() needs a topic (none given and no default topic)", { field: "topic" });
      if (waiter) return waiter.reject(err);
      throw err;
    }
    let t = this.lastTopic;
    if (t === null || t.topic !== topic) {
      const partitions = this.partitionCounts.get(topic);
      if (partitions === undefined) return this.waitForMetadata(topic, { message, opts, waiter });
      t = this.lastTopic = this.batcher.topic(topic, partitions);
    }
    const partition = message.partition ?? (message.key !== undefined && message.key !== null ? partitionForKey(topic, message.key, t.partitions) : this.batcher.stickyPartition(t));
    const sendMs = monoMs();
    const m = this._metrics;
    const bytes = byteLength(message.key) + byteLength(message.value);
    let wire: WireMessage;
    let seq: number | undefined;
    const key = message.key ?? null;
    if (this.options.idCarrier === "offsets") {
      // The message as it would go out without the lab (the same shape as a bare client's message).
      if (message.headers) wire = this.topicPerMessage ? { topic, key, value: message.value, headers: message.headers, partition } : { key, value: message.value, headers: message.headers, partition };
      else wire = this.topicPerMessage ? { topic, key, value: message.value, partition } : { key, value: message.value, partition };
    } else {
      seq = m.nextSeq();
      const carriedMs = sendMs - this.clockOffsetMs; // the runner's clock: comparable on any host
      wire =
        this.options.idCarrier === "header"
          ? { topic, key, value: message.value, headers: { ...message.headers, [LAB_HEADER]: encodeLabHeader(m.producerIndex, seq, carriedMs) }, partition }
          : { topic, key, value: appendTrailer(message.value, m.producerIndex, seq, carriedMs), headers: message.headers, partition };
    }
    m.onSend(bytes, sendMs);
    this.outstanding++;
    this.batcher.add(t, partition, wire, bytes, sendMs, opts.intendedMs, seq, waiter);
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
        for (const w of waiting!) this.queue(w.message, w.opts, w.waiter);
      },
      (err) => {
        this.metadataWaiting.delete(topic);
        this.outstanding--;
        this._metrics.onFailure(waiting!.length, err);
        for (const w of waiting!) w.waiter?.reject(err);
        this.releaseCapacity();
      },
    );
  }

  /** Send everything accumulated now and wait until every message sent so far is acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.metadataWaiting.size > 0) await new Promise((r) => setTimeout(r, 5));
    this.batcher.releaseAll();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Flush, then disconnect. */
  async disconnect(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.connected) await this.client.disconnect();
      this.connected = false;
    }
  }

  private dispatch(batch: Batch): void {
    const p = this.sendBatch(batch);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async sendBatch(batch: Batch): Promise<void> {
    const startMs = monoMs();
    const m = this._metrics;
    const payload = { topic: batch.topic, partition: batch.partition, count: batch.size };
    if (this.events.has(Events.PRODUCER_BATCH_START)) this.events.emit(Events.PRODUCER_BATCH_START, payload);
    try {
      if (!this.connected) throw new PerfLabError("NOT_CONNECTED", "InstrumentedProducer.send() before connect()");
      const base = await this.client.send(batch.topic, batch.partition, batch.messages, this.options.acks, this.options.compression);
      const endMs = monoMs();
      m.onAckedBatch(batch, base, startMs, endMs);
      if (batch.waiters) for (const w of batch.waiters) w?.resolve();
      if (this.events.has(Events.PRODUCER_BATCH_END)) this.events.emit(Events.PRODUCER_BATCH_END, { ...payload, baseOffset: base, durationUs: (endMs - startMs) * 1000 });
    } catch (err) {
      m.onFailure(batch.size, err);
      this.events.emit(Events.PRODUCER_BATCH_ERROR, { ...payload, error: (err as Error)?.message });
      if (batch.waiters) for (const w of batch.waiters) w?.reject(err);
    } finally {
      this.outstanding -= batch.size;
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

/** Options with their defaults; inside a role the run's id carrier is the default (its consumers expect it). */
function resolveOptions(opts: InstrumentedProducerOptions, runCarrier: IdCarrier | undefined): InstrumentedProducer["options"] {
  const acks = opts.acks ?? -1;
  const idempotent = opts.idempotent ?? false;
  if (idempotent && acks !== -1) throw new InputError("BAD_OPTION", `idempotent makes no sense without acks=-1 (got acks=${acks})`, { field: "idempotent" });
  const idCarrier = opts.idCarrier ?? runCarrier ?? (acks === 0 ? "header" : "offsets");
  if (idCarrier === "offsets" && acks === 0) throw new InputError("BAD_OPTION", "idCarrier offsets needs acks 1 or -1: with acks 0 the broker returns no offsets (use header or trailer)", { field: "idCarrier" });
  const compression = opts.compression ?? "none";
  if (!COMPRESSIONS.includes(compression)) throw new InputError("BAD_COMPRESSION", `compression must be one of ${COMPRESSIONS.join(", ")} (got "${compression}")`, { field: "compression" });
  const batchSize = opts.batchSize ?? 100;
  return {
    acks,
    compression,
    idempotent,
    batchSize,
    batchBytes: opts.batchBytes ?? 1024 * 1024,
    lingerMs: opts.lingerMs ?? 0,
    maxBufferedMessages: opts.maxBufferedMessages ?? Math.max(1000, 10 * batchSize),
    idCarrier,
  };
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

export function createInstrumentedProducer(opts: InstrumentedProducerOptions = {}): InstrumentedProducer {
  return new InstrumentedProducer(opts);
}
