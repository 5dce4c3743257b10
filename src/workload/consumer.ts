import { clientAdapter, type ClientName, type ConsumerClient, type ReceivedRecord } from "../clients";
import { InputError, PerfLabError, TimeoutError } from "../errors";
import type { BrokerConnection } from "../clients/connection";
import { defaultKafkajsLog } from "../kafka/logging";
import { monoMs } from "../metrics/clock";
import { ReceiptJournal, type JournalSink } from "../metrics/journal";
import type { IdCarrier } from "../results/role-result";
import { Committer, type CommitStrategy } from "./committer";
import { ConsumerMetrics } from "./consumer-metrics";
import { roleContext } from "./context";
import { readLabHeader, readLabTrailer, TRAILER_BYTES } from "./headers";
import { contentId } from "../metrics/content";
import { Events, Instrumentation } from "./instrumentation";

export type { CommitStrategy } from "./committer";
export type ConsumeMode = "eachMessage" | "eachBatch";

/**
 * A consumed message as handlers see it: topic, partition, offset (a number), key, value (the lab's
 * trailer, if any, already stripped), headers, Kafka's CreateTime (epoch ms), and the lab's id (with its
 * send time, monoMs) when the producer carried one in a header or trailer.
 */
export type ConsumedMessage = ReceivedRecord;

export type MessageHandler = (message: ConsumedMessage) => unknown | Promise<unknown>;

export interface InstrumentedConsumerOptions {
  /** A Kafka cluster, or a RabbitMQ node with client "amqplib" (inside a role: the run's). */
  connection?: BrokerConnection;
  /** The Kafka client to drive: "kafkajs" (default) or "platformatic" — or a client of your own. */
  client?: ClientName | ConsumerClient;
  clientId?: string;
  /** Consumer group; inside a role, the run's group. */
  groupId?: string;
  /** Topic(s) to read; inside a role, the run's topic. */
  topics?: string[];
  fromBeginning?: boolean;
  mode?: ConsumeMode;
  /** The processing function (yours): sync or async. */
  handler: MessageHandler;
  /** "auto": periodic commits of processed offsets; "per-message"; "after-flush": only after `flush()` succeeded. */
  commit?: CommitStrategy;
  /** With "after-flush": persist what the handler buffered. Called every `flushIntervalMs` and on stop. */
  flush?: () => Promise<void> | void;
  flushIntervalMs?: number;
  autoCommitIntervalMs?: number;
  /** RabbitMQ (client "amqplib"): unacknowledged deliveries at a time (default 100). */
  prefetch?: number;
  /** RabbitMQ: the broker acks on delivery (at most once); default: manual acks by the commit strategy. */
  autoAck?: boolean;
  /** A throwing handler: count it and go on (default), or stop the consumer. */
  onError?: "continue" | "stop";
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data when there is none. Default 500 ms: stopping a consumer waits for its fetch in flight. */
  maxWaitTimeMs?: number;
  /** How the producer identified messages (its `idCarrier`); inside a role, the run's. Default "offsets". */
  idCarrier?: IdCarrier;
  recordRaw?: boolean;
  logFile?: string;
  /** Inside a role, report metrics to it (default true). The lab's built-in roles manage their own. */
  reportToRole?: boolean;
  /** Journal every receipt to this sink, flushed before each commit (exact accounting if the process is killed). Inside a role: the runner. */
  journal?: JournalSink;
}

/**
 * A Kafka consumer (any client of clients/) that measures end-to-end latency, processing time per
 * message, lag, group-join and rebalance times and request latency, and records every receipt's
 * (partition, offset, time) — and the lab's id, when the producer carried one — for exact accounting.
 */
export class InstrumentedConsumer {
  readonly metrics: ConsumerMetrics;
  readonly events = new Instrumentation();
  readonly groupId: string;
  readonly topics: string[];
  private readonly client: ConsumerClient;
  private readonly committer: Committer;
  private readonly opts: InstrumentedConsumerOptions & { onError: "continue" | "stop"; idCarrier: IdCarrier };
  private readonly clockOffsetMs: number;
  private assignment: Record<string, number[]> | null = null;
  private assignmentWaiters: Array<(a: Record<string, number[]>) => void> = [];
  private crashed: Error | null = null;
  /** Read per message: kept in fields of their own rather than looked up in the options. */
  private readonly carrier: IdCarrier;
  private readonly handler: InstrumentedConsumerOptions["handler"];

  constructor(opts: InstrumentedConsumerOptions) {
    const ctx = roleContext();
    const commit = opts.commit ?? "auto";
    if (commit === "after-flush" && !opts.flush) throw new InputError("BAD_OPTION", 'commit "after-flush" makes no sense without a flush() function', { field: "commit" });
    const groupId = opts.groupId ?? ctx?.groupId ?? undefined;
    const topics = opts.topics ?? (ctx ? [ctx.topic] : undefined);
    if (!groupId) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs a groupId", { field: "groupId" });
    if (!topics || topics.length === 0) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs topics", { field: "topics" });
    const connection = opts.connection ?? ctx?.rabbitmq ?? ctx?.connection;
    if (typeof opts.client !== "object" && !connection) throw new InputError("BAD_OPTION", "InstrumentedConsumer needs `connection` (outside a role)", { field: "connection" });
    this.opts = { ...opts, onError: opts.onError ?? "continue", idCarrier: opts.idCarrier ?? ctx?.idCarrier ?? "offsets" };
    this.carrier = this.opts.idCarrier;
    this.handler = opts.handler;
    this.groupId = groupId;
    this.topics = topics;
    this.clockOffsetMs = ctx?.clockOffsetMs ?? 0;
    this.client =
      typeof opts.client === "object"
        ? opts.client
        : clientAdapter(opts.client ?? "kafkajs").consumer({ connection: connection!, clientId: opts.clientId ?? ctx?.roleId ?? "perflab-consumer", groupId, logFile: opts.logFile ?? defaultKafkajsLog(), sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000, heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 1000, maxWaitTimeMs: opts.maxWaitTimeMs ?? 500, mode: opts.mode ?? "eachMessage", prefetch: opts.prefetch, autoAck: opts.autoAck });
    this.metrics = new ConsumerMetrics(this.opts.idCarrier, ctx?.originMs ?? monoMs(), opts.recordRaw ?? ctx?.recordRaw ?? false, ctx?.seriesIntervalMs);
    this.metrics.clockOffsetMs = this.clockOffsetMs;
    const journal = opts.journal ?? ctx?.journal ?? null;
    if (journal) this.metrics.journal = new ReceiptJournal(journal);
    this.committer = new Committer(commit, this.client, this.metrics, this.events, { flush: opts.flush, flushIntervalMs: opts.flushIntervalMs ?? 2000, autoCommitIntervalMs: opts.autoCommitIntervalMs ?? 5000 });
    if (opts.reportToRole !== false) {
      ctx?.register({ kind: "consumer", snapshot: () => this.metrics.snapshot(), attachments: () => this.metrics.records(), destroy: () => this.metrics.destroy(), waitForAssignment: (ms: number) => this.waitForAssignment(ms) });
    }
  }

  /** Connect, subscribe and start consuming. Returns once delivery has started (not joined yet). */
  async start(): Promise<void> {
    await this.client.connect();
    await this.client.subscribe(this.topics, this.opts.fromBeginning ?? true);
    await this.client.run((r) => this.process(r), {
      groupJoin: (durationMs, assignment, isLeader) => this.onGroupJoin(durationMs, assignment, isLeader),
      rebalancing: () => {
        this.metrics.rebalances++;
        this.events.emit(Events.CONSUMER_REBALANCING, {});
      },
      batch: (topic, partition, highWatermark, firstOffset) => this.metrics.onBatch(topic, partition, highWatermark, firstOffset),
      request: (ms, queueSize) => this.metrics.onRequest(ms, queueSize),
      crash: (error) => {
        this.crashed = error;
        this.metrics.onProcessingError(error);
        this.events.emit(Events.CONSUMER_CRASH, { error: error?.message, restart: false });
      },
    });
    this.committer.start();
  }

  private onGroupJoin(durationMs: number, assignment: Record<string, number[]>, isLeader: boolean): void {
    this.metrics.groupJoinMs.push(durationMs);
    this.assignment = assignment;
    this.events.emit(Events.CONSUMER_GROUP_JOIN, { durationMs, assignment, isLeader });
    const waiters = this.assignmentWaiters;
    this.assignmentWaiters = [];
    for (const w of waiters) w(assignment);
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

  /** The consumer crashed inside its client, or its handler failed with onError "stop": the error, else null. */
  get crashError(): Error | null {
    return this.crashed;
  }

  /**
   * One message: bookkeeping, your handler, bookkeeping. Synchronous unless the handler returns a
   * promise or offsets are committed per message — an async wrapper per message would cost the client a
   * microtask and an allocation each (measured in bench/instrumentation.mjs). The record the client made
   * is the message your handler gets: the lab reads its id (if carried) into it and allocates nothing.
   */
  private process(r: ReceivedRecord): void | Promise<void> {
    if (this.crashed && this.opts.onError === "stop") return; // failed: messages still in the fetched batch are left alone
    const recvMs = monoMs();
    const carrier = this.carrier;
    if (carrier === "content") {
      this.metrics.contentLog!.add(contentId(r.key, r.value), recvMs - this.clockOffsetMs);
    } else if (carrier !== "offsets") {
      const id = carrier === "header" ? readLabHeader(r.headers) : readLabTrailer(r.value);
      if (id) {
        id.sendMs += this.clockOffsetMs; // carried on the runner's clock: back to this process's clock
        if (carrier === "trailer") r.value = r.value!.subarray(0, r.value!.length - TRAILER_BYTES);
      }
      r.id = id;
    }
    const bytes = (r.value?.length ?? 0) + (r.key?.length ?? 0);
    const seen = this.metrics.onReceive(r.partition, r.offset, r.id, r, bytes, recvMs);
    if (this.events.has(Events.CONSUMER_MESSAGE)) this.events.emit(Events.CONSUMER_MESSAGE, { topic: r.topic, partition: r.partition, offset: r.offset, duplicate: seen > 1 });
    let out: unknown;
    try {
      out = this.handler(r);
    } catch (err) {
      this.handlerFailed(err, r);
    }
    if (out && typeof (out as Promise<unknown>).then === "function") {
      return (out as Promise<unknown>).then(
        () => this.processed(r, recvMs),
        (err) => {
          this.handlerFailed(err, r);
          return this.processed(r, recvMs);
        },
      );
    }
    return this.processed(r, recvMs);
  }

  private handlerFailed(err: unknown, r: ReceivedRecord): void {
    this.metrics.onProcessingError(err);
    this.events.emit(Events.CONSUMER_PROCESSING_ERROR, { topic: r.topic, partition: r.partition, offset: r.offset, error: (err as Error)?.message });
    if (this.opts.onError === "stop" && !this.crashed) {
      // Stop consuming (rethrowing would make the client redeliver the same message forever): pause every
      // assigned partition and report the failure; offsets of this message and later are not committed.
      this.crashed = new PerfLabError("HANDLER_FAILED", `handler failed on ${r.topic}[${r.partition}]@${r.offset}: ${(err as Error)?.message}`, { cause: err });
      this.client.pause(this.topics);
      this.events.emit(Events.CONSUMER_CRASH, { error: this.crashed.message, restart: false });
    }
  }

  private processed(r: ReceivedRecord, startMs: number): void | Promise<void> {
    this.metrics.onProcessed(r.topic, r.partition, r.offset, startMs, monoMs());
    return this.committer.processed(r.topic, r.partition, r.offset);
  }

  /** With commit "after-flush": flush the handler's state now and commit what it covered. */
  flushAndCommit(): Promise<void> {
    return this.committer.flushAndCommit();
  }

  /** Stop consuming and disconnect, after the final commit of the strategy (see committer.ts). */
  async stop(): Promise<void> {
    await this.committer.stop();
    await this.client.stop();
    await this.client.disconnect();
    await this.metrics.journal?.close();
  }
}

export function createInstrumentedConsumer(opts: InstrumentedConsumerOptions): InstrumentedConsumer {
  return new InstrumentedConsumer(opts);
}
