import amqp from "amqplib";
import { PerfLabError } from "../errors";
import { connectRabbitMQ, type RabbitConnection } from "../rabbitmq/connection";
import { sleep } from "../util/timeout";
import { asRabbit } from "./connection";
import { installedVersion } from "./version";
import type { Acks, ClientAdapter, ClientSettings, ConsumerClient, ConsumerClientOptions, ConsumerHooks, ProducerClient, ProducerClientOptions, ReceivedRecord, WireMessage } from "./types";

/**
 * RabbitMQ through amqplib, behind the same two interfaces as the Kafka clients, so the lab's producer,
 * consumer, statistics and accounting hold unchanged. How the Kafka words map:
 * - topic → a durable queue (the runner declares it), one "partition" (0); messages are persistent
 *   (delivery mode 2) and go through the default exchange;
 * - acks -1 / 1 → publisher confirms (a send resolves once the broker confirmed every message of it; a
 *   nack or a lost connection rejects it), acks 0 → no confirms (a send resolves once written);
 * - a consumed message's offset → its delivery tag (numbered on from the last one after a reconnect, so
 *   offsets only grow); committing next-offset N acks every delivery up to N − 1 of the channel
 *   (`ack(…, allUpTo)`): the lab's commit strategies become "manual acks after processing";
 * - consumers.autoAck → RabbitMQ's automatic acks (the broker forgets a message when it delivers it);
 *   consumers.prefetch → basic.qos (unacknowledged deliveries per consumer; 0 = no limit).
 * Without offsets from the broker, messages are told apart by the lab's header (idCarrier "header").
 */

const RECONNECT_FOR_MS = 60_000;

/** Reopen a connection after a broker restart: retries with backoff for up to RECONNECT_FOR_MS. */
async function reconnect(conn: RabbitConnection, isClosed: () => boolean): Promise<amqp.ChannelModel> {
  const deadline = Date.now() + RECONNECT_FOR_MS;
  let delay = 100;
  for (;;) {
    if (isClosed()) throw new PerfLabError("CLIENT_CLOSED", "the client was closed");
    try {
      return await connectRabbitMQ(conn, 5000);
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

class AmqpProducer implements ProducerClient {
  private readonly conn: RabbitConnection;
  private model: amqp.ChannelModel | null = null;
  private channel: amqp.Channel | amqp.ConfirmChannel | null = null;
  private opening: Promise<amqp.Channel | amqp.ConfirmChannel> | null = null;
  private confirms: boolean | null = null;
  private closed = false;
  private listeners: Array<(durationMs: number, queueSize?: number) => void> = [];

  constructor(opts: ProducerClientOptions) {
    this.conn = asRabbit(opts.connection, "amqplib");
  }

  async connect(): Promise<void> {
    this.model = await connectRabbitMQ(this.conn);
    this.watch(this.model);
  }

  private watch(model: amqp.ChannelModel): void {
    model.on("error", () => undefined); // the close that follows is what counts
    model.on("close", () => {
      if (this.model === model) this.model = null;
      this.channel = null;
    });
  }

  /** The channel of the current connection (a confirm channel when sends want confirms), reopened after a broker restart. */
  private ensureChannel(confirms: boolean): Promise<amqp.Channel | amqp.ConfirmChannel> {
    if (this.channel && this.confirms === confirms) return Promise.resolve(this.channel);
    this.opening ??= (async () => {
      if (!this.model) {
        this.model = await reconnect(this.conn, () => this.closed);
        this.watch(this.model);
      }
      const ch = confirms ? await this.model.createConfirmChannel() : await this.model.createChannel();
      ch.on("error", () => undefined);
      ch.on("close", () => {
        if (this.channel === ch) this.channel = null;
      });
      this.channel = ch;
      this.confirms = confirms;
      return ch;
    })().finally(() => (this.opening = null));
    return this.opening;
  }

  /** A queue is one ordered log: one partition. */
  async partitionCount(): Promise<number> {
    return 1;
  }

  async send(queue: string, _partition: number, messages: WireMessage[], acks: Acks): Promise<number | null> {
    const confirms = acks !== 0;
    const ch = await this.ensureChannel(confirms);
    const t0 = performance.now();
    if (!confirms) {
      for (const m of messages) if (!ch.sendToQueue(queue, content(m), props(m))) await drained(ch);
      return null;
    }
    const confirm = ch as amqp.ConfirmChannel;
    // One callback for the whole window (not a promise per message): it counts the confirms down and
    // remembers the first nack; the send resolves once every message of it is confirmed.
    let left = messages.length;
    let failed: Error | null = null;
    let settle: (() => void) | null = null;
    const confirmed = new Promise<void>((resolve, reject) => (settle = () => (failed ? reject(failed) : resolve())));
    const onConfirm = (err: unknown) => {
      if (err && !failed) failed = new PerfLabError("NACKED", `RabbitMQ did not confirm a message: ${(err as Error)?.message ?? err}`);
      if (--left === 0) settle!();
    };
    for (const m of messages) {
      if (!confirm.sendToQueue(queue, content(m), props(m), onConfirm)) await drained(ch);
    }
    await confirmed;
    const ms = performance.now() - t0;
    for (const l of this.listeners) l(ms);
    return null;
  }

  onRequest(listener: (durationMs: number, queueSize?: number) => void): void {
    this.listeners.push(listener);
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    const model = this.model;
    this.model = null;
    await model?.close().catch(() => undefined); // already closed by the broker
  }
}

/** Resolves when the channel's write buffer has room again (or it closed: the send's confirms then fail). */
function drained(ch: amqp.Channel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ch.off("drain", done);
      ch.off("close", done);
      resolve();
    };
    ch.on("drain", done);
    ch.on("close", done);
  });
}

function content(m: WireMessage): Buffer {
  return m.value === null ? Buffer.alloc(0) : typeof m.value === "string" ? Buffer.from(m.value) : m.value;
}

function props(m: WireMessage): amqp.Options.Publish {
  return m.headers ? { persistent: true, headers: m.headers } : { persistent: true };
}

class AmqpConsumer implements ConsumerClient {
  private readonly conn: RabbitConnection;
  private model: amqp.ChannelModel | null = null;
  private channel: amqp.Channel | null = null;
  private queues: string[] = [];
  private stopped = false;
  /** Offsets of the current channel are base + delivery tag; a reconnect starts above the last one. */
  private base = 0;
  private lastOffset = 0;
  private ackedUpTo = 0;
  private chain: Promise<void> = Promise.resolve();
  private process: ((r: ReceivedRecord) => void | Promise<void>) | null = null;
  private hooks: ConsumerHooks | null = null;
  private commitWanted: (() => void) | null = null;

  constructor(private readonly opts: ConsumerClientOptions) {
    this.conn = asRabbit(opts.connection, "amqplib");
  }

  async connect(): Promise<void> {
    this.model = await connectRabbitMQ(this.conn);
  }

  async subscribe(topics: string[]): Promise<void> {
    this.queues = topics;
  }

  async run(process: (r: ReceivedRecord) => void | Promise<void>, hooks: ConsumerHooks): Promise<void> {
    this.process = process;
    this.hooks = hooks;
    await this.consume();
  }

  /** Open a channel on the current connection and consume every queue; after a broker restart, again. */
  private async consume(): Promise<void> {
    const t0 = performance.now();
    if (!this.model) this.model = await reconnect(this.conn, () => this.stopped);
    const model = this.model;
    model.on("error", () => undefined);
    const ch = await model.createChannel();
    ch.on("error", () => undefined);
    this.channel = ch;
    this.base = this.lastOffset;
    this.ackedUpTo = this.base;
    if (!this.opts.autoAck) await ch.prefetch(this.opts.prefetch ?? 100);
    const base = this.base;
    for (const queue of this.queues) {
      await ch.consume(queue, (msg) => (msg ? this.deliver(queue, base, msg) : this.lost(ch)), { noAck: !!this.opts.autoAck });
    }
    ch.on("close", () => this.lost(ch));
    this.hooks!.groupJoin(performance.now() - t0, Object.fromEntries(this.queues.map((q) => [q, [0]])), false);
  }

  private deliver(queue: string, base: number, msg: amqp.ConsumeMessage): void {
    const offset = base + msg.fields.deliveryTag;
    this.lastOffset = Math.max(this.lastOffset, offset);
    // The delivery is in the client now: "lag" counts it until it is processed (as a fetched Kafka batch).
    this.hooks!.batch(queue, 0, offset + 1, offset);
    const record: ReceivedRecord = {
      topic: queue,
      partition: 0,
      offset,
      key: null,
      value: msg.content,
      headers: (msg.properties.headers ?? undefined) as ReceivedRecord["headers"],
      timestamp: typeof msg.properties.timestamp === "number" ? msg.properties.timestamp : Date.now(),
      id: null,
    };
    // One at a time, in delivery order: a promise from the lab is awaited before the next delivery.
    this.chain = this.chain
      .then(() => this.process!(record))
      .then(() => {
        if (this.commitWanted && !this.opts.autoAck && offset - this.ackedUpTo >= this.halfWindow) this.commitWanted();
      })
      .catch((err) => this.hooks!.crash(err as Error));
  }

  /** Half the prefetch window; no limit (prefetch 0) never fills, so it never asks for an early commit. */
  private get halfWindow(): number {
    const prefetch = this.opts.prefetch ?? 100;
    return prefetch === 0 ? Infinity : Math.max(1, Math.floor(prefetch / 2));
  }

  onCommitWanted(listener: () => void): void {
    this.commitWanted = listener;
  }

  /** The channel or connection went away (broker stopped): reconnect and consume again (unacked deliveries come back). */
  private lost(ch: amqp.Channel): void {
    if (this.channel !== ch || this.stopped) return;
    this.channel = null;
    this.model = null;
    this.hooks!.rebalancing();
    this.consume().catch((err) => {
      if (!this.stopped) this.hooks!.crash(err as Error);
    });
  }

  /** Commit next-offset N: ack every delivery of the current channel up to N − 1 (older channels are gone: theirs come back). */
  async commit(offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const ch = this.channel;
    if (!ch || this.opts.autoAck) return;
    const upTo = Math.max(...offsets.map((o) => o.offset - 1));
    if (upTo <= this.ackedUpTo || upTo <= this.base) return;
    // amqplib acks by message; a message stand-in carrying the delivery tag is all it reads.
    ch.ack({ fields: { deliveryTag: upTo - this.base } } as amqp.Message, true);
    this.ackedUpTo = upTo;
  }

  pause(): void {
    // Kafka's pause stops fetching; here the channel stops getting deliveries when it stops acking.
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    const model = this.model;
    const ch = this.channel;
    this.model = null;
    this.channel = null;
    // The channel first: its close is a handshake behind the last acks on the same channel, so the broker has
    // them before the connection goes (closing the connection alone lost the final acks now and then).
    await ch?.close().catch(() => undefined); // already closed by the broker
    await model?.close().catch(() => undefined);
  }
}

function unsupported(s: ClientSettings): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  if (s.compression && s.compression !== "none") out.push({ field: "producers.compression", message: "RabbitMQ does not compress messages" });
  if (s.idempotent) out.push({ field: "producers.idempotent", message: "RabbitMQ has no idempotent producer" });
  if (s.mode === "eachBatch") out.push({ field: "consumers.mode", message: "RabbitMQ delivers messages one by one (use eachMessage)" });
  return out;
}

export const amqplibAdapter: ClientAdapter = {
  name: "amqplib",
  version: () => installedVersion("amqplib"),
  ownBatching: false,
  unsupported,
  producer: (opts) => new AmqpProducer(opts),
  consumer: (opts) => new AmqpConsumer(opts),
};
