import type { ExperimentSpec } from "./schema";
import type { SpecIssue } from "./issues";

/** Spec fields that only mean something on Kafka, and why each has no RabbitMQ meaning. */
const KAFKA_ONLY: Array<[string, string]> = [
  ["kafka", "the Kafka cluster (use rabbitmq.url for an external RabbitMQ)"],
  ["topic.partitions", "a RabbitMQ queue is one ordered log, not partitions"],
  ["topic.replicationFactor", "the embedded RabbitMQ is one node (queues are not replicated here)"],
  ["topic.minInsyncReplicas", "RabbitMQ has no in-sync replicas for a classic queue"],
  ["topic.config", "these are Kafka topic settings"],
  ["producers.lingerMs", "RabbitMQ publishes each message as it comes (no linger)"],
  ["producers.batchBytes", "RabbitMQ publishes messages one by one (producers.batchSize is the confirm window)"],
  ["producers.compression", "RabbitMQ does not compress messages"],
  ["producers.idempotent", "RabbitMQ has no idempotent producer"],
  ["producers.maxInFlightRequests", "a Kafka client setting"],
  ["producers.script", "a producer script drives a Kafka client of its own"],
  ["consumers.script", "a consumer script drives a Kafka client of its own"],
  ["workload.keys", "RabbitMQ messages sent to a queue have no key"],
  ["workload.keyCount", "RabbitMQ messages sent to a queue have no key"],
];

/** Spec fields that only mean something on RabbitMQ. */
const RABBIT_ONLY: Array<[string, string]> = [
  ["rabbitmq", "the RabbitMQ node"],
  ["consumers.prefetch", "RabbitMQ's basic.qos"],
  ["consumers.autoAck", "RabbitMQ's automatic acks (Kafka consumers commit offsets: consumers.commit)"],
];

const KAFKA_CLIENTS = ["kafkajs", "platformatic"];

function given(raw: unknown, path: string): boolean {
  let o: unknown = raw;
  for (const p of path.split(".")) {
    if (typeof o !== "object" || o === null || !(p in o)) return false;
    o = (o as Record<string, unknown>)[p];
  }
  return o !== undefined;
}

/**
 * Defaults that depend on the broker, and the fields the other broker owns. `raw` is the spec as written
 * (with the configuration's matrix values applied), so only what the user wrote is refused: one issue per
 * field, naming it and why it has no meaning for the chosen broker. Mutates `s` (the parsed spec).
 */
export function brokerIssues(s: ExperimentSpec, raw: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  const rabbit = s.broker === "rabbitmq";
  for (const [path, why] of rabbit ? KAFKA_ONLY : RABBIT_ONLY) {
    if (given(raw, path)) out.push({ path, message: rabbit ? `has no meaning with broker: rabbitmq — ${why}` : `is for broker: rabbitmq — ${why}` });
  }
  for (const side of ["producers", "consumers"] as const) {
    if (rabbit && !given(raw, `${side}.client`)) s[side].client = "amqplib";
    const client = s[side].client;
    if (rabbit && KAFKA_CLIENTS.includes(client)) out.push({ path: `${side}.client`, message: `${client} is a Kafka client: with broker: rabbitmq use amqplib` });
    if (!rabbit && client === "amqplib") out.push({ path: `${side}.client`, message: "amqplib is a RabbitMQ client: use kafkajs or platformatic, or set broker: rabbitmq" });
  }
  if (rabbit) {
    s.topic.partitions = 1;
    s.topic.replicationFactor = 1;
    s.producers.idCarrier ??= "header";
    if (s.producers.idCarrier === "offsets" || s.producers.idCarrier === "content") {
      out.push({ path: "producers.idCarrier", message: `${s.producers.idCarrier} has no meaning with broker: rabbitmq — RabbitMQ returns no offsets (use header or trailer)` });
    }
  }
  return out;
}
