/**
 * One small interface per side that every Kafka client the lab measures implements (kafkajs.ts,
 * platformatic.ts). The instrumented producer and consumer (workload/) are written against it only, so
 * the same batching, measurements and accounting hold for every client. A third client is one new file
 * implementing ClientAdapter, registered in index.ts.
 */
import type { BrokerConnection } from "./connection";

export type Acks = -1 | 0 | 1;
export type Compression = "none" | "gzip" | "snappy" | "lz4";
export const COMPRESSIONS: Compression[] = ["none", "gzip", "snappy", "lz4"];

/** A message as it goes on the wire: the lab adds nothing unless an id carrier asks for a header. */
export interface WireMessage {
  /** Set by the lab to the topic the message is sent to (clients that want it per message read it). */
  topic?: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  /** Set by the lab to the partition the message is sent to. */
  partition?: number;
}

export interface ProducerClientOptions {
  /** A Kafka cluster (kafkajs, platformatic) or a RabbitMQ node (amqplib). */
  connection: BrokerConnection;
  clientId: string;
  /** The client's own log lines go here. */
  logFile: string;
  idempotent: boolean;
  maxInFlightRequests?: number;
}

export interface ProducerClient {
  /** The client reads each message's `topic` (the lab then sets it); kafkajs takes the topic per request. */
  readonly topicPerMessage?: boolean;
  connect(): Promise<void>;
  /** Partition count of a topic (from metadata); throws UNKNOWN_TOPIC when it has none. */
  partitionCount(topic: string): Promise<number>;
  /**
   * One partition's messages in one produce request. Resolves once the broker acknowledged them, with
   * the base offset it assigned (message i has offset base + i); null with acks 0. Rejects after the
   * client's retries.
   */
  send(topic: string, partition: number, messages: WireMessage[], acks: Acks, compression: Compression): Promise<number | null>;
  /** Produce request latencies and request-queue sizes, as the client reports them. */
  onRequest(listener: (durationMs: number, queueSize?: number) => void): void;
  disconnect(): Promise<void>;
}

/** The lab's id of a message (producer index, sequence, send time ms), when its producer carried one. */
export interface CarriedId {
  producerIndex: number;
  seq: number;
  sendMs: number;
}

/**
 * A consumed record as every client hands it to the lab — and, once the lab has read its id, as your
 * handler sees it (one object per message: the lab adds nothing per message beyond what the client makes).
 */
export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined> | undefined;
  /** Kafka's CreateTime (or LogAppendTime), epoch ms. */
  timestamp: number;
  /** The lab's id, when the producer carried one in a header or trailer (clients set null; the lab fills it). */
  id: CarriedId | null;
}

export interface ConsumerClientOptions {
  /** A Kafka cluster (kafkajs, platformatic) or a RabbitMQ node (amqplib). */
  connection: BrokerConnection;
  clientId: string;
  groupId: string;
  logFile: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest a fetch waits for data when there is none. */
  maxWaitTimeMs: number;
  mode: "eachMessage" | "eachBatch";
  /** RabbitMQ: unacknowledged deliveries per consumer (basic.qos). */
  prefetch?: number;
  /** RabbitMQ: the broker acks on delivery (no manual acks). */
  autoAck?: boolean;
}

/** What a consumer client reports besides records. */
export interface ConsumerHooks {
  groupJoin(durationMs: number, assignment: Record<string, number[]>, isLeader: boolean): void;
  rebalancing(): void;
  /** A fetched batch of one partition: its high watermark and first offset. */
  batch(topic: string, partition: number, highWatermark: number, firstOffset: number): void;
  request(durationMs: number, queueSize?: number): void;
  /** The client gave up (not a handler error). */
  crash(error: Error): void;
}

export interface ConsumerClient {
  connect(): Promise<void>;
  subscribe(topics: string[], fromBeginning: boolean): Promise<void>;
  /**
   * Start delivering records. `process` is called per record, in offset order per partition; a promise
   * it returns is awaited before the partition's next record. Returns once delivery has started.
   */
  run(process: (r: ReceivedRecord) => void | Promise<void>, hooks: ConsumerHooks): Promise<void>;
  /** Commit next-offsets to read. */
  commit(offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void>;
  pause(topics: string[]): void;
  /**
   * RabbitMQ: called when half the prefetch window is processed but not acked — the broker stops
   * delivering once the window is full, so periodic commits ("auto") commit now rather than wait.
   */
  onCommitWanted?(listener: () => void): void;
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

export type ClientName = "kafkajs" | "platformatic" | "amqplib";

export interface ClientAdapter {
  name: ClientName;
  /** The installed version of the client package. */
  version(): string;
  /** Whether the client batches on its own (else the lab's per-partition batching is all there is). */
  ownBatching: boolean;
  /** Spec settings this client cannot honour: one line per problem, naming the field; [] when all is well. */
  unsupported(settings: ClientSettings): Array<{ field: string; message: string }>;
  producer(opts: ProducerClientOptions): ProducerClient;
  consumer(opts: ConsumerClientOptions): ConsumerClient;
}

/** What a spec asks of a client, for `unsupported`. */
export interface ClientSettings {
  side: "producers" | "consumers";
  compression?: Compression | "zstd";
  idempotent?: boolean;
  maxInFlightRequests?: number;
  securityProtocol?: string;
  saslMechanism?: string;
  headers?: boolean;
  mode?: "eachMessage" | "eachBatch";
}
