import type { ChildConnection } from "../kafka/connection";
import type { ChildRabbitConnection } from "../rabbitmq/connection";
import type { Acks, ClientName, Compression } from "../clients/types";
import type { CommitStrategy, ConsumeMode } from "../workload/consumer";
import type { KeyStrategy, PayloadKind } from "../workload/payload";
import type { IdCarrier } from "../workload/headers";

/** Everything a role process needs to know, sent by the runner over the control channel (no secrets: those come by env). */
export interface RoleConfig {
  roleId: string;
  kind: "producer" | "consumer";
  index: number;
  runId: string;
  configId: string;
  /** The Kafka cluster, or the RabbitMQ node (`broker: "rabbitmq"`). */
  connection: ChildConnection | ChildRabbitConnection;
  workload: RoleWorkload;
  producer: ProducerRoleSettings | null;
  consumer: ConsumerRoleSettings | null;
  recordRaw: boolean;
  /** Time-series bucket length, ms. */
  seriesIntervalMs: number;
  /** Scratch folder of this role (on the role's host). */
  workDir: string;
  /** The Kafka client's own log lines of this role (on the role's host). */
  clientLogFile: string;
}

export interface RoleWorkload {
  /** Messages per producer, or null with a duration. */
  messages: number | null;
  durationSec: number | null;
  messageSize: number;
  payload: PayloadKind;
  /** Target rate per producer, msgs/s; 0 = as fast as possible. */
  rate: number;
  keys: KeyStrategy;
  keyCount: number;
  seed: number;
}

export interface ProducerRoleSettings {
  client: ClientName;
  acks: Acks;
  compression: Compression;
  idempotent: boolean;
  maxInFlightRequests: number | null;
  batchSize: number;
  batchBytes: number;
  lingerMs: number;
  maxBufferedMessages: number | null;
  idCarrier: IdCarrier;
  /** Absolute path of the user's source module, or null for synthetic messages. */
  source: string | null;
  /** Absolute path of a whole user script run as this role. */
  script: string | null;
}

export interface ConsumerRoleSettings {
  client: ClientName;
  /** How the run's producers identify messages. */
  idCarrier: IdCarrier;
  mode: ConsumeMode;
  processing: { kind: "none" | "cpu" | "sleep"; cpuUs: number; sleepMs: number };
  handler: string | null;
  script: string | null;
  commit: CommitStrategy;
  flushIntervalMs: number;
  autoCommitIntervalMs: number;
  onError: "continue" | "stop";
  /** RabbitMQ: basic.qos, and automatic acks instead of manual ones. */
  prefetch: number;
  autoAck: boolean;
}
