import "./kafkajs-headers"; // before kafkajs encodes its first record: a faster header encoder, same bytes
import { Kafka, Partitioners, type Consumer, type KafkaMessage, type Producer } from "kafkajs";
import { PerfLabError } from "../errors";
import { kafkaClientConfig } from "../kafka/connection";
import { fileLogCreator } from "../kafka/logging";
import { asKafka } from "./connection";
import { installedVersion } from "./version";
import { compressionType, registerCodecs } from "./kafkajs-codecs";
import type { Acks, ClientAdapter, ClientSettings, Compression, ConsumerClient, ConsumerClientOptions, ConsumerHooks, ProducerClient, ProducerClientOptions, ReceivedRecord, WireMessage } from "./types";

/**
 * kafkajs 2.x. Every send is one partition's batch in one `sendBatch`: besides matching the Java client's
 * per-partition batches, this avoids a kafkajs 2.2.4 bug that loses acknowledged messages — a sendBatch
 * spanning several brokers keeps the responses of the brokers that succeeded across retries, so after a
 * leader moves to one of them the retry sends nothing for the moved partition and still resolves
 * (kafkajs#1303). Measured with a broker kill: hundreds of "acked" messages missing before, none after.
 */
class KafkajsProducer implements ProducerClient {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin;
  private readonly partitions = new Map<string, number>();

  constructor(opts: ProducerClientOptions) {
    registerCodecs();
    this.kafka = new Kafka(kafkaClientConfig(asKafka(opts.connection, "kafkajs"), opts.clientId, { logCreator: fileLogCreator(opts.logFile) }));
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: opts.idempotent, maxInFlightRequests: opts.maxInFlightRequests, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const n = md.topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new PerfLabError("UNKNOWN_TOPIC", `topic ${topic} has no partitions (does it exist?)`);
    this.partitions.set(topic, n);
    return n;
  }

  async send(topic: string, partition: number, messages: WireMessage[], acks: Acks, compression: Compression): Promise<number | null> {
    // The lab's producer sets each message's partition already; a client of its own may not have.
    if (messages[0]?.partition !== partition) for (const m of messages) m.partition = partition;
    const r = await this.producer.sendBatch({ topicMessages: [{ topic, messages: messages as Array<WireMessage & { partition: number }> }], acks, compression: compressionType(compression) });
    const base = r.find((x) => x.partition === partition)?.baseOffset;
    return acks === 0 || base === undefined ? null : Number(base);
  }

  onRequest(listener: (durationMs: number, queueSize?: number) => void): void {
    this.producer.on(this.producer.events.REQUEST, (e) => {
      if (e.payload.apiName === "Produce") listener(e.payload.duration);
    });
    this.producer.on(this.producer.events.REQUEST_QUEUE_SIZE, (e) => listener(0, e.payload.queueSize));
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

class KafkajsConsumer implements ConsumerClient {
  private readonly consumer: Consumer;

  constructor(private readonly opts: ConsumerClientOptions) {
    registerCodecs(); // a consumer-only process must decode Snappy and LZ4 batches too
    const kafka = new Kafka(kafkaClientConfig(asKafka(opts.connection, "kafkajs"), opts.clientId, { logCreator: fileLogCreator(opts.logFile) }));
    this.consumer = kafka.consumer({ groupId: opts.groupId, sessionTimeout: opts.sessionTimeoutMs, heartbeatInterval: opts.heartbeatIntervalMs, rebalanceTimeout: 30_000, maxWaitTimeInMs: opts.maxWaitTimeMs, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  async subscribe(topics: string[], fromBeginning: boolean): Promise<void> {
    for (const topic of topics) await this.consumer.subscribe({ topic, fromBeginning });
  }

  private listen(hooks: ConsumerHooks): void {
    const c = this.consumer;
    c.on(c.events.GROUP_JOIN, (e) => hooks.groupJoin(e.payload.duration, e.payload.memberAssignment as Record<string, number[]>, e.payload.isLeader));
    c.on(c.events.REBALANCING, () => hooks.rebalancing());
    c.on(c.events.START_BATCH_PROCESS, (e) => hooks.batch(e.payload.topic, e.payload.partition, Number(e.payload.highWatermark), Number(e.payload.firstOffset)));
    c.on(c.events.REQUEST, (e) => {
      if (e.payload.apiName === "Fetch") hooks.request(e.payload.duration);
    });
    c.on(c.events.REQUEST_QUEUE_SIZE, (e) => hooks.request(0, e.payload.queueSize));
    c.on(c.events.CRASH, (e) => hooks.crash(e.payload.error));
  }

  async run(process: (r: ReceivedRecord) => void | Promise<void>, hooks: ConsumerHooks): Promise<void> {
    this.listen(hooks);
    // Offsets are committed by the lab (after its receipt journal is safe), never by kafkajs.
    if (this.opts.mode === "eachMessage") {
      // kafkajs awaits whatever eachMessage returns: a synchronous undefined costs no extra promise.
      await this.consumer.run({ autoCommit: false, eachMessage: ({ topic, partition, message }) => process(record(topic, partition, message)) as Promise<void> });
      return;
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await process(record(batch.topic, batch.partition, message));
          resolveOffset(message.offset);
        }
        await heartbeat();
      },
    });
  }

  commit(offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    return this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  pause(topics: string[]): void {
    this.consumer.pause(topics.map((topic) => ({ topic })));
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/**
 * A kafkajs message as the lab hands it on: kafkajs gives offset and timestamp as strings; the offset is
 * parsed for every message (the accounting needs it), the timestamp only when someone reads it.
 */
class KafkajsRecord implements ReceivedRecord {
  readonly offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReceivedRecord["headers"];
  id: ReceivedRecord["id"] = null;
  private readonly ts: string;

  constructor(
    readonly topic: string,
    readonly partition: number,
    m: KafkaMessage,
  ) {
    this.offset = Number(m.offset);
    this.key = m.key;
    this.value = m.value;
    this.headers = m.headers;
    this.ts = m.timestamp;
  }

  get timestamp(): number {
    return Number(this.ts);
  }
}

function record(topic: string, partition: number, m: KafkaMessage): ReceivedRecord {
  return new KafkajsRecord(topic, partition, m);
}

function unsupported(s: ClientSettings): Array<{ field: string; message: string }> {
  if (s.compression === "zstd") return [{ field: `${s.side}.compression`, message: "zstd needs a native codec that kafkajs cannot load here: use none, gzip, snappy or lz4" }];
  return [];
}

export const kafkajsAdapter: ClientAdapter = {
  name: "kafkajs",
  version: () => installedVersion("kafkajs"),
  ownBatching: false,
  unsupported,
  producer: (opts) => new KafkajsProducer(opts),
  consumer: (opts) => new KafkajsConsumer(opts),
};
