import type { KafkaConfig } from "kafkajs";
import { InputError } from "../errors";
import { kafkaClientConfig, type KafkaConnection } from "../kafka/connection";
import { kafkajsAdapter } from "./kafkajs";
import { platformaticAdapter } from "./platformatic";
import { amqplibAdapter } from "./amqplib";
import type { ExperimentSpec, SpecIssue } from "../spec";
import type { ClientAdapter, ClientName, ClientSettings } from "./types";

export * from "./types";
export { asKafka, asRabbit, isRabbit, type BrokerConnection } from "./connection";
export { platformaticOptions } from "./platformatic";

/** A kafkajs config for a lab KafkaConnection (bootstrap list, TLS, SASL): `new Kafka(kafkajsConfig(ctx.connection, "me"))`. */
export function kafkajsConfig(conn: KafkaConnection, clientId: string): KafkaConfig {
  return kafkaClientConfig(conn, clientId);
}
export { partitionForKey } from "./partitioner";

const ADAPTERS: Record<string, ClientAdapter> = { kafkajs: kafkajsAdapter, platformatic: platformaticAdapter, amqplib: amqplibAdapter };

/** The adapter of a client by name; an unknown name is one InputError naming the field. */
export function clientAdapter(name: ClientName | string = "kafkajs", field = "client"): ClientAdapter {
  const a = ADAPTERS[name];
  if (!a) throw new InputError("UNKNOWN_CLIENT", `${field} must be one of ${Object.keys(ADAPTERS).join(", ")} (got "${name}")`, { field });
  return a;
}

export function clientNames(): string[] {
  return Object.keys(ADAPTERS);
}

/**
 * What the clients a spec names cannot do, one issue per problem naming the field and the client
 * (compression, consumer mode, idempotence, security): checked before a run starts.
 */
export function clientIssues(spec: ExperimentSpec): SpecIssue[] {
  const out: SpecIssue[] = [];
  const security = { securityProtocol: spec.kafka.external?.securityProtocol, saslMechanism: spec.kafka.external?.sasl?.mechanism };
  const sides: Array<[ClientSettings["side"], string, ClientSettings]> = [
    ["producers", spec.producers.client, { side: "producers", compression: spec.producers.compression, idempotent: spec.producers.idempotent, maxInFlightRequests: spec.producers.maxInFlightRequests, ...security }],
    ["consumers", spec.consumers.client, { side: "consumers", mode: spec.consumers.mode, ...security }],
  ];
  for (const [side, name, settings] of sides) {
    if (side === "consumers" && spec.consumers.count === 0) continue;
    for (const u of clientAdapter(name, `${side}.client`).unsupported(settings)) out.push({ path: u.field, message: `${u.message} (${side}.client ${name})` });
  }
  return out;
}
