import { Kafka, type Consumer, type KafkaMessage } from "kafkajs";
import { InputError, PerfLabError, TimeoutError } from "../errors";
import { kafkaClientConfig, type KafkaConnection } from "../kafka/connection";
import { defaultKafkajsLog, fileLogCreator } from "../kafka/logging";
import { roleContext } from "./context";
import { readLabHeader, readLabTrailer, TRAILER_BYTES, type LabHeader } from "./headers";
import { monoMs } from "../metrics/clock";
import { Events, Instrumentation } from "./instrumentation";
import { registerCodecs } from "./codecs";
import { ReceiptJournal } from "../metrics/journal";
import { ConsumerMetrics } from "./metrics";

export type CommitStrategy = "auto" | "per-message" | "after-flush";
export type ConsumeMode = "eachMessage" | "eachBatch";

/** A consumed message as handlers see it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaMessage["headers"];
  /** Kafka's CreateTime (or LogAppendTime), epoch ms. */
  timestamp: number;
  /** The lab's id (and send time, monoMs), when an instrumented producer sent it. */
  id: LabHeader | null;
}

export type MessageHandler = (message: ConsumedMessage) => unknown | Promise<unknown>;

export interface InstrumentedConsumerOptions {
  connection?: KafkaConnection;
  kafka?: Kafka;
  clientId?: string;
  /** Consumer group; inside a role, the run's group. */
  groupId?: string;
  /** Topic(s) to read; inside a role, the run's topic. */
  topics?: string[];
  fromBeginning?: boolean;
  mode?: ConsumeMode;
  /** The processing function (yours): sync or async. */
  handler: MessageHandler;
  /** "auto": kafkajs commits periodically; "per-message": commit after every message; "after-flush": only after `flush()` succeeded. */
  commit?: CommitStrategy;
  /** With "after-flush": persist what the handler buffered. Called every `flushIntervalMs` and on stop. */
  flush?: () => Promise<void> | void;
  flushIntervalMs?: number;
  autoCommitIntervalMs?: number;
  /** A throwing handler: count it and go on (default), or stop the consumer. */
  onError?: "continue" | "stop";
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data when there is none (kafkajs maxWaitTimeInMs). Default 500 ms, not
   *  kafkajs's 5 s: stopping a consumer waits for its fetch in flight, and a lab stops consumers often. */
  maxWaitTimeMs?: number;
  recordRaw?: boolean;
  logFile?: string;
  /** Inside a role, report metrics to it (default true). The lab's built-in roles manage their own. */
  reportToRole?: boolean;
  /** Journal every received id to this file, flushed before each commit (exact accounting if the process is killed). */
  journalFile?: string;
}

/**
 * A kafkajs consumer that measures end-to-end latency (from the producer's high-resolution header, and
 * from Kafka's CreateTime beside it), processing time per message, lag, group-join and rebalance times,
 * request latency, and counts every message id it receives for exact accounting.
 */
export class InstrumentedConsumer {
  readonly metrics: ConsumerMetrics;
  readonly events = new Instrumentation();
  readonly groupId: string;
  readonly topics: string[];
  private readonly consumer: Consumer;
  private readonly opts: InstrumentedConsumerOptions & { commit: CommitStrategy; mode: ConsumeMode; onError: "continue" | "stop" };
  private assignment: Record<string, number[]> | null = null;
  private assignmentWaiters: Array<(a: Record<string, number[]>) => void> = [];
  /** Offsets processed since the last commit, for "after-flush": "topic:partition" → next offset. */
  private uncommitted = new Map<string, number>();
  private flusher: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private running = false;
  private crashed: Error | null = null;

  constructor(opts: InstrumentedConsumerOptions) {
    const ctx = roleContext();
    const commit = opts.commit ?? "auto";
    if (commit === "after-flush" && !opts.flush) throw new InputError("BAD_OPTION", 'commit "after-flush" makes no sense without a flush() function', { field: "commit" });
    this.opts = { ...opts, commit, mode: opts.mode ?? "eachMessage", onError: opts.onError ?? "continue" };
    registerCodecs(); // a consumer-only process must decode Snappy and LZ4 batches too
    const groupId = opts.groupId ?? ctx?.groupId ?? undefined;
    const topics = opts.topics ?? (ctx ? [ctx.topic] : undefined);
    if (!groupId) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs a groupId", { field: "groupId" });
    if (!topics || topics.length === 0) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs topics", { field: "topics" });
    this.groupId = groupId;
    this.topics = topics;
    const connection = opts.connection ?? ctx?.connection;
    if (!opts.kafka && !connection) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs `connection` or `kafka` (outside a role)", { field: "connection" });
    const kafka =
      opts.kafka ??
      new Kafka(kafkaClientConfig(connection!, opts.clientId ?? ctx?.roleId ?? "perflab-consumer", { logCreator: fileLogCreator(opts.logFile ?? defaultKafkajsLog()) }));
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: opts.heartbeatIntervalMs ?? 1000,
      rebalanceTimeout: 30_000,
      maxWaitTimeInMs: opts.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
    });
    this.metrics = new ConsumerMetrics(ctx?.originMs ?? monoMs(), opts.recordRaw ?? ctx?.recordRaw ?? false, ctx?.seriesIntervalMs);
    if (opts.journalFile) this.metrics.journal = new ReceiptJournal(opts.journalFile);
    this.listen();
    if (opts.reportToRole !== false) ctx?.register({ kind: "consumer", snapshot: () => this.metrics.snapshot(), destroy: () => this.metrics.destroy(), waitForAssignment: (ms: number) => this.waitForAssignment(ms) });
  }

  private listen(): void {
    const c = this.consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      this.metrics.groupJoinMs.push(e.payload.duration);
      this.assignment = e.payload.memberAssignment as Record<string, number[]>;
      this.events.emit(Events.CONSUMER_GROUP_JOIN, { durationMs: e.payload.duration, assignment: this.assignment, isLeader: e.payload.isLeader });
      const waiters = this.assignmentWaiters;
      this.assignmentWaiters = [];
      for (const w of waiters) w(this.assignment);
    });
    c.on(c.events.REBALANCING, () => {
      this.metrics.rebalances++;
      this.events.emit(Events.CONSUMER_REBALANCING, {});
    });
    c.on(c.events.START_BATCH_PROCESS, (e) => this.metrics.onBatch(this.positionKey(e.payload.topic, e.payload.partition), Number(e.payload.highWatermark), Number(e.payload.firstOffset)));
    c.on(c.events.REQUEST, (e) => {
      if (e.payload.apiName === "Fetch") this.metrics.onRequest(e.payload.duration);
    });
    c.on(c.events.REQUEST_QUEUE_SIZE, (e) => this.metrics.onRequest(0, e.payload.queueSize));
    c.on(c.events.CRASH, (e) => {
      this.crashed = e.payload.error;
      this.metrics.onProcessingError(e.payload.error);
      this.events.emit(Events.CONSUMER_CRASH, { error: e.payload.error?.message, restart: e.payload.restart });
    });
  }

  /** Connect, subscribe and start consuming. Returns once the run loop is started (not joined yet). */
  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.topics) await this.consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning ?? true });
    // "auto" is the lab's periodic commit of processed offsets (as the Java client's auto commit), not
    // kafkajs's: the receipt journal must be flushed before every commit, so the lab does the committing.
    const autoCommit = false;
    if (this.opts.mode === "eachMessage") {
      await this.consumer.run({
        autoCommit,
        // kafkajs awaits whatever eachMessage returns: a synchronous undefined costs no extra promise.
        eachMessage: ({ topic, partition, message }) => this.process(topic, partition, message) as Promise<void>,
      });
    } else {
      await this.consumer.run({
        autoCommit,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            await this.process(batch.topic, batch.partition, message);
            resolveOffset(message.offset);
          }
          await heartbeat();
        },
      });
    }
    this.running = true;
    if (this.opts.commit === "after-flush") this.scheduleFlush();
    if (this.opts.commit === "auto") this.scheduleAutoCommit();
  }

  /** Resolves with the partitions assigned to this member after its first group join. */
  waitForAssignment(timeoutMs = 30_000): Promise<Record<string, number[]>> {
    if (this.assignment) return Promise.resolve(this.assignment);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`consumer group ${this.groupId} to assign partitions`, timeoutMs)), timeoutMs);
      this.assignmentWaiters.push((a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
  }

  get currentAssignment(): Record<string, number[]> | null {
    return this.assignment;
  }

  /** Next offset to process per "topic:partition". */
  positions(): Record<string, number> {
    return Object.fromEntries(this.metrics.positions);
  }

  /** The consumer crashed inside kafkajs (not a handler error): the error, else null. */
  get crashError(): Error | null {
    return this.crashed;
  }

  /**
   * One message: bookkeeping, your handler, bookkeeping. Synchronous unless the handler returns a
   * promise or offsets are committed per message — an async wrapper per message would cost kafkajs a
   * microtask and an allocation each (measured in bench/instrumentation.mjs).
   */
  private process(topic: string, partition: number, message: KafkaMessage): void | Promise<void> {
    if (this.crashed && this.opts.onError === "stop") return; // failed: messages still in the fetched batch are left alone
    const recvMs = monoMs();
    const m = this.metrics;
    let value = message.value;
    let lab = readLabHeader(message.headers as Record<string, Buffer>);
    if (lab === null) {
      lab = readLabTrailer(value);
      if (lab !== null) value = value!.subarray(0, value!.length - TRAILER_BYTES);
    }
    const bytes = (value?.length ?? 0) + (message.key?.length ?? 0);
    const timestamp = Number(message.timestamp);
    const seen = lab ? m.onReceive(lab.producerIndex, lab.seq, lab.sendMs, timestamp, bytes, recvMs) : m.onReceive(null, 0, null, timestamp, bytes, recvMs);
    const consumed: ConsumedMessage = { topic, partition, offset: message.offset, key: message.key, value, headers: message.headers, timestamp, id: lab };
    if (this.events.has(Events.CONSUMER_MESSAGE)) this.events.emit(Events.CONSUMER_MESSAGE, { topic, partition, offset: message.offset, duplicate: seen > 1 });
    let r: unknown;
    try {
      r = this.opts.handler(consumed);
    } catch (err) {
      this.handlerFailed(err, topic, partition, message.offset);
    }
    if (r && typeof (r as Promise<unknown>).then === "function") {
      return (r as Promise<unknown>).then(
        () => this.processed(topic, partition, message.offset, recvMs),
        (err) => {
          this.handlerFailed(err, topic, partition, message.offset);
          return this.processed(topic, partition, message.offset, recvMs);
        },
      );
    }
    return this.processed(topic, partition, message.offset, recvMs);
  }

  private handlerFailed(err: unknown, topic: string, partition: number, offset: string): void {
    this.metrics.onProcessingError(err);
    this.events.emit(Events.CONSUMER_PROCESSING_ERROR, { topic, partition, offset, error: (err as Error)?.message });
    if (this.opts.onError === "stop" && !this.crashed) {
      // Stop consuming (rethrowing would make kafkajs redeliver the same message forever): pause every
      // assigned partition and report the failure; offsets of this message and later are not committed.
      this.crashed = new PerfLabError("HANDLER_FAILED", `handler failed on ${topic}[${partition}]@${offset}: ${(err as Error)?.message}`, { cause: err });
      this.consumer.pause(this.topics.map((t) => ({ topic: t })));
      this.events.emit(Events.CONSUMER_CRASH, { error: this.crashed.message, restart: false });
    }
  }

  private processed(topic: string, partition: number, offsetText: string, startMs: number): void | Promise<void> {
    const offset = Number(offsetText);
    const key = this.positionKey(topic, partition);
    this.metrics.onProcessed(key, offset, startMs, monoMs());
    if (this.opts.commit === "per-message") {
      this.metrics.journal?.flush();
      return this.consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]).then(() => void this.metrics.commits++);
    }
    if (this.opts.commit === "after-flush") this.uncommitted.set(key, offset + 1);
  }

  private readonly keys = new Map<string, string[]>();

  /** "topic:partition", built once per partition (not per message). */
  private positionKey(topic: string, partition: number): string {
    let arr = this.keys.get(topic);
    if (!arr) this.keys.set(topic, (arr = []));
    return (arr[partition] ??= `${topic}:${partition}`);
  }

  private autoCommitter: NodeJS.Timeout | null = null;
  private autoCommitting: Promise<void> | null = null;
  private readonly committed = new Map<string, number>();

  private scheduleAutoCommit(): void {
    this.autoCommitter = setTimeout(() => {
      this.autoCommitting = this.commitPositions()
        .catch((err) => this.metrics.onProcessingError(err)) // a failed periodic commit is retried next period
        .finally(() => {
          this.autoCommitting = null;
          if (this.running) this.scheduleAutoCommit();
        });
    }, this.opts.autoCommitIntervalMs ?? 5000);
  }

  /** Commit every processed offset not committed yet (the journal first). */
  private async commitPositions(): Promise<void> {
    const changed = [...this.metrics.positions].filter(([k, v]) => this.committed.get(k) !== v);
    if (changed.length === 0) return;
    this.metrics.journal?.flush();
    await this.consumer.commitOffsets(changed.map(([k, offset]) => ({ ...splitKey(k), offset: String(offset) })));
    for (const [k, v] of changed) this.committed.set(k, v);
    this.metrics.commits++;
  }

  private scheduleFlush(): void {
    this.flusher = setTimeout(() => {
      this.flushing = this.flushAndCommit().finally(() => {
        this.flushing = null;
        if (this.running) this.scheduleFlush();
      });
    }, this.opts.flushIntervalMs ?? 2000);
  }

  /** Flush the handler's state, then commit exactly the offsets processed before the flush began. */
  async flushAndCommit(): Promise<void> {
    const snapshot = this.uncommitted;
    this.uncommitted = new Map();
    const t0 = monoMs();
    try {
      await this.opts.flush?.();
    } catch (err) {
      // Nothing was persisted: keep the offsets uncommitted (merged back, newer positions win).
      for (const [k, v] of snapshot) if (!this.uncommitted.has(k)) this.uncommitted.set(k, v);
      this.metrics.onProcessingError(err);
      this.events.emit(Events.CONSUMER_FLUSH, { ok: false, error: (err as Error)?.message });
      return;
    }
    this.metrics.flushes++;
    if (snapshot.size > 0) {
      this.metrics.journal?.flush();
      await this.consumer.commitOffsets(
        [...snapshot].map(([k, offset]) => ({ ...splitKey(k), offset: String(offset) })),
      );
      this.metrics.commits++;
    }
    this.events.emit(Events.CONSUMER_FLUSH, { ok: true, partitions: snapshot.size, durationUs: (monoMs() - t0) * 1000 });
  }

  /**
   * Stop consuming and disconnect. Before leaving the group: with "after-flush", flush and commit what
   * was processed; with "auto", commit every processed offset (as the Java client commits on close).
   * A failing final commit is counted as an error, not thrown: its messages will simply be redelivered.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.flusher) clearTimeout(this.flusher);
    if (this.autoCommitter) clearTimeout(this.autoCommitter);
    if (this.flushing) await this.flushing;
    if (this.autoCommitting) await this.autoCommitting;
    try {
      if (this.opts.commit === "after-flush") await this.flushAndCommit();
      else if (this.opts.commit === "auto") await this.commitPositions();
    } catch (err) {
      this.metrics.onProcessingError(err);
    }
    await this.consumer.stop();
    await this.consumer.disconnect();
    this.metrics.journal?.close();
  }
}

function splitKey(k: string): { topic: string; partition: number } {
  const i = k.lastIndexOf(":");
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}

export function createInstrumentedConsumer(opts: InstrumentedConsumerOptions): InstrumentedConsumer {
  return new InstrumentedConsumer(opts);
}
