import { InputError } from "../errors";
import type { KafkaConnection } from "../kafka/connection";
import type { RabbitConnection } from "../rabbitmq/connection";

/** Where a client connects: a Kafka cluster or a RabbitMQ node. */
export type BrokerConnection = KafkaConnection | RabbitConnection;

export function isRabbit(c: BrokerConnection): c is RabbitConnection {
  return !("bootstrap" in c);
}

/** The Kafka connection a Kafka client needs; a RabbitMQ one is one clear error naming the client. */
export function asKafka(c: BrokerConnection, client: string): KafkaConnection {
  if (isRabbit(c)) throw new InputError("WRONG_BROKER", `client ${client} talks to Kafka, but this connection is RabbitMQ's (use client amqplib)`, { field: "client" });
  return c;
}

/** The RabbitMQ connection amqplib needs; a Kafka one is one clear error. */
export function asRabbit(c: BrokerConnection, client: string): RabbitConnection {
  if (!isRabbit(c)) throw new InputError("WRONG_BROKER", `client ${client} talks to RabbitMQ, but this connection is Kafka's (use kafkajs or platformatic)`, { field: "client" });
  return c;
}
