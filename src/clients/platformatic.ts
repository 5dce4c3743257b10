import diagnostics from "node:diagnostics_channel";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { BaseOptions, Consumer, ConsumerOptions, Message, MessagesStream, Producer } from "@platformatic/kafka";
import { PerfLabError } from "../errors";
import { readCa, type KafkaConnection } from "../kafka/connection";
import { asKafka } from "./connection";
import { installedVersion } from "./version";
import { fileLogWriter } from "../kafka/logging";
import { monoMs } from "../metrics/clock";
import type { Acks, ClientAdapter, ClientSettings, Compression, ConsumerClient, ConsumerClientOptions, ConsumerHooks, ProducerClient, ProducerClientOptions, ReceivedRecord, WireMessage } from "./types";

/**
 * @platformatic/kafka 1.x (pure TypeScript; its 2.x needs Node ≥ 22.22). Loaded only when a spec asks for
 * it, so kafkajs users never pay for it. One `send()` per partition batch (as with kafkajs), messages as
 * the lab built them; the consumer is the client's MessagesStream, read in flowing mode.
 */
type Platformatic = typeof import("@platformatic/kafka");
let loaded: Platformatic | null = null;
function lib(): Platformatic {
  if (!loaded) {
    try {
      loaded = require("@platformatic/kafka") as Platformatic;
    } catch (err) {
      throw new PerfLabError("CLIENT_UNAVAILABLE", `@platformatic/kafka cannot be loaded on Node ${process.versions.node} (it needs 20.19 or later): ${(err as Error).message.split("\n")[0]}`, { cause: err });
    }
  }
  return loaded;
}

/** Retries of a failed request: ~10 s in all, like kafkajs's default backoff, so a leader election fits in. */
const RETRIES = 10;
const RETRY_DELAY_MS = 1000;

/**
 * The part of @platformatic/kafka's `BaseOptions` that `platformaticOptions` fills, written out so the lab's
 * declarations do not import the package's: a notebook cell that imports the lab would otherwise make tslab's
 * compiler read its 200 declaration files (and ajv's 45): 569 files to compile instead of 345.
 * The producer below passes it where a `BaseOptions` is expected, so the compiler checks they still fit.
 */
export interface PlatformaticConnectionOptions {
  clientId: string;
  bootstrapBrokers: string[];
  retries: number;
  retryDelay: number;
  autocreateTopics: boolean;
  tls?: TlsOptions;
  sasl?: { mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"; username: string; password: string };
}

/**
 * Connection options of a lab KafkaConnection in @platformatic/kafka's terms (bootstrap list, TLS, SASL,
 * retries): spread them into a Producer or Consumer of your own (`new Producer({ ...platformaticOptions(ctx.connection, "me"), … })`).
 */
export function platformaticOptions(conn: KafkaConnection, clientId: string): PlatformaticConnectionOptions {
  const out: PlatformaticConnectionOptions = { clientId, bootstrapBrokers: conn.bootstrap, retries: RETRIES, retryDelay: RETRY_DELAY_MS, autocreateTopics: false };
  if (conn.ssl) out.tls = { rejectUnauthorized: conn.ssl.rejectUnauthorized, ...(conn.ssl.caFile ? { ca: readCa(conn.ssl.caFile) } : {}) };
  if (conn.sasl) out.sasl = { mechanism: conn.sasl.mechanism.toUpperCase() as NonNullable<PlatformaticConnectionOptions["sasl"]>["mechanism"], username: conn.sasl.username.reveal(), password: conn.sasl.password.reveal() };
  return out;
}

/** The innermost error of a platformatic failure (it nests MultipleErrors per retry and per broker). */
function leafError(err: unknown): Error {
  let e = err as Error & { errors?: unknown[]; cause?: unknown };
  for (let depth = 0; depth < 20; depth++) {
    const next = e.errors?.length ? e.errors[e.errors.length - 1] : e.cause;
    if (!next || typeof next !== "object") break;
    e = next as typeof e;
  }
  return e;
}

/** A failed first request as one line naming the bootstrap list and the client (never the credentials). */
async function connected(conn: KafkaConnection, request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (err) {
    const leaf = leafError(err);
    const auth = /SASL|authentica/i.test(leaf.message);
    const code = auth ? "KAFKA_AUTH_FAILED" : "KAFKA_UNREACHABLE";
    const what = auth ? `SASL authentication (${conn.sasl?.mechanism ?? "?"}) to ${conn.bootstrap.join(",")} failed (client platformatic): check the username and password` : `cannot reach Kafka at ${conn.bootstrap.join(",")} (client platformatic): ${leaf.message}`;
    throw new PerfLabError(code, what, { cause: err });
  }
}

/** Strings become UTF-8 buffers (kafkajs does the same); buffers pass as they are. */
const toBuffer = (d?: unknown): Buffer | undefined => (d === undefined || d === null ? undefined : typeof d === "string" ? Buffer.from(d) : (d as Buffer));
const SERIALIZERS = { key: toBuffer, value: toBuffer, headerKey: toBuffer, headerValue: toBuffer };

class PlatformaticProducer implements ProducerClient {
  readonly topicPerMessage = true;
  private readonly producer: Producer<Buffer, Buffer, string, Buffer>;
  private readonly partitions = new Map<string, number>();
  private readonly log: ReturnType<typeof fileLogWriter>;
  private requestListener: ((durationMs: number) => void) | null = null;

  private readonly connection: KafkaConnection;

  constructor(opts: ProducerClientOptions) {
    this.connection = asKafka(opts.connection, "platformatic");
    this.log = fileLogWriter(opts.logFile);
    const o: BaseOptions = platformaticOptions(this.connection, opts.clientId);
    this.producer = new (lib().Producer)({ ...o, idempotent: opts.idempotent, ...(opts.maxInFlightRequests ? { maxInflights: opts.maxInFlightRequests } : {}), serializers: SERIALIZERS as never });
  }

  async connect(): Promise<void> {
    // The client connects on its first request: ask for the cluster's metadata so a wrong address fails here.
    await connected(this.connection, () => this.producer.metadata({ topics: [] }));
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    let n = 0;
    try {
      n = (await this.producer.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount ?? 0;
    } catch (err) {
      this.log("error", "metadata", (err as Error).message, { topic });
    }
    if (n === 0) throw new PerfLabError("UNKNOWN_TOPIC", `topic ${topic} has no partitions (does it exist?)`);
    this.partitions.set(topic, n);
    return n;
  }

  async send(topic: string, partition: number, messages: WireMessage[], acks: Acks, compression: Compression): Promise<number | null> {
    // The lab's producer sets topic and partition on each message already; a client of its own may not have.
    if (messages[0]?.topic !== topic || messages[0]?.partition !== partition) {
      for (const m of messages) {
        m.topic = topic;
        m.partition = partition;
      }
    }
    const t0 = this.requestListener ? monoMs() : 0;
    try {
      const r = await this.producer.send({ messages: messages as never, acks, compression });
      this.requestListener?.(monoMs() - t0);
      if (acks === 0) return null;
      const base = r.offsets?.find((o) => o.topic === topic && o.partition === partition)?.offset;
      return base === undefined ? null : Number(base);
    } catch (err) {
      this.log("error", "producer", (err as Error).message, { topic, partition, messages: messages.length });
      throw err;
    }
  }

  /** One send is one produce request (one partition): its latency is the request's, measured around it. */
  onRequest(listener: (durationMs: number, queueSize?: number) => void): void {
    this.requestListener = listener;
  }

  async disconnect(): Promise<void> {
    await this.producer.close();
  }
}

interface FetchContext {
  client: unknown;
  result?: { responses?: Array<{ topicId: string; partitions: Array<{ partitionIndex: number; highWatermark: bigint; records?: Array<{ firstOffset: bigint }> }> }> };
  [START]?: number;
}
const START = Symbol("perflab.fetchStart");

class PlatformaticConsumer implements ConsumerClient {
  private readonly consumer: Consumer<Buffer, Buffer, string, Buffer>;
  private readonly log: ReturnType<typeof fileLogWriter>;
  private stream: MessagesStream<Buffer, Buffer, string, Buffer> | null = null;
  private topics: string[] = [];
  private fromBeginning = true;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: ConsumerClientOptions) {
    this.log = fileLogWriter(opts.logFile);
    const o = platformaticOptions(asKafka(opts.connection, "platformatic"), opts.clientId) as unknown as ConsumerOptions<Buffer, Buffer, string, Buffer>;
    this.consumer = new (lib().Consumer)({
      ...o,
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: opts.heartbeatIntervalMs,
      rebalanceTimeout: 30_000,
      maxWaitTime: opts.maxWaitTimeMs,
      autocommit: false, // offsets are committed by the lab (after its receipt journal is safe)
      deserializers: { headerKey: (b?: Buffer) => b?.toString() },
    } as ConsumerOptions<Buffer, Buffer, string, Buffer>);
  }

  async connect(): Promise<void> {
    await connected(asKafka(this.opts.connection, "platformatic"), () => this.consumer.metadata({ topics: [] }));
  }

  async subscribe(topics: string[], fromBeginning: boolean): Promise<void> {
    this.topics = topics;
    this.fromBeginning = fromBeginning;
  }

  async run(process: (r: ReceivedRecord) => void | Promise<void>, hooks: ConsumerHooks): Promise<void> {
    const md = await this.consumer.metadata({ topics: this.topics });
    const topicNames = new Map([...md.topics].map(([name, t]) => [t.id, name]));
    this.listen(hooks, topicNames);
    const stream = await this.consumer.consume({ topics: this.topics, mode: "committed", fallbackMode: this.fromBeginning ? "earliest" : "latest", autocommit: false, maxWaitTime: this.opts.maxWaitTimeMs });
    this.stream = stream;
    stream.on("error", (err: Error) => {
      this.log("error", "consumer", err.message);
      hooks.crash(err);
    });
    // Flowing mode, one record at a time: a promise from `process` pauses the stream until it settles,
    // so a partition's next record waits for the previous one (as kafkajs's eachMessage does).
    stream.on("data", (m: Message<Buffer, Buffer, string, Buffer>) => {
      const out = process(record(m));
      if (out) {
        stream.pause();
        out.then(
          () => stream.resume(),
          () => stream.resume(),
        );
      }
    });
  }

  private listen(hooks: ConsumerHooks, topicNames: Map<string, string>): void {
    const c = this.consumer;
    // Join time: from the start of consuming (or of a rebalance) to the member's assignment.
    let joinStart = monoMs();
    c.on("consumer:group:rebalance", () => {
      joinStart = monoMs();
      hooks.rebalancing();
    });
    c.on("consumer:group:join", (p: { isLeader?: boolean; assignments?: Array<{ topic: string; partitions: number[] }> }) => {
      const assignment: Record<string, number[]> = {};
      for (const a of p.assignments ?? []) assignment[a.topic] = [...a.partitions];
      hooks.groupJoin(monoMs() - joinStart, assignment, p.isLeader ?? false);
    });
    // Fetch latency and high watermarks come from the client's diagnostics channel (it emits no event with them).
    const channel = lib().consumerFetchesChannel as unknown as diagnostics.TracingChannel<string, FetchContext>;
    const handlers = {
      start: (ctx: FetchContext) => {
        if (ctx.client === c) ctx[START] = monoMs();
      },
      asyncStart: (ctx: FetchContext) => {
        if (ctx.client !== c || ctx[START] === undefined) return;
        hooks.request(monoMs() - ctx[START]);
        for (const t of ctx.result?.responses ?? []) {
          const topic = topicNames.get(t.topicId);
          if (topic === undefined) continue;
          for (const p of t.partitions) {
            const hw = Number(p.highWatermark);
            hooks.batch(topic, p.partitionIndex, hw, p.records?.length ? Number(p.records[0]!.firstOffset) : hw);
          }
        }
      },
      end: () => {},
      asyncEnd: () => {},
      error: () => {},
    };
    channel.subscribe(handlers);
    this.unsubscribe = () => channel.unsubscribe(handlers);
  }

  commit(offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    return this.consumer.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
  }

  pause(): void {
    this.stream?.pause();
  }

  async stop(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    if (s) await s.close();
  }

  async disconnect(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.consumer.close(true);
  }
}

function record(m: Message<Buffer, Buffer, string, Buffer>): ReceivedRecord {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: m.headers.size > 0 ? Object.fromEntries(m.headers) : undefined,
    timestamp: Number(m.timestamp),
    id: null,
  };
}

function unsupported(s: ClientSettings): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  if (s.compression === "zstd") out.push({ field: `${s.side}.compression`, message: "zstd needs Node's zstd codec (Node 22.15+): use none, gzip, snappy or lz4 with platformatic here" });
  if (s.mode === "eachBatch") out.push({ field: "consumers.mode", message: "eachBatch is a kafkajs API: the platformatic consumer delivers a message stream (use eachMessage)" });
  return out;
}

export const platformaticAdapter: ClientAdapter = {
  name: "platformatic",
  version: () => installedVersion("@platformatic/kafka"),
  ownBatching: false,
  unsupported,
  producer: (opts) => new PlatformaticProducer(opts),
  consumer: (opts) => new PlatformaticConsumer(opts),
};
