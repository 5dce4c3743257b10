import { Partitioners } from "kafkajs";
import { TimeoutError } from "../errors";
import { createTopic, deleteTopics, labKafka } from "./admin";
import type { KafkaConnection } from "./connection";

export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka CreateTime, epoch ms. */
  timestamp: number;
  key: string | null;
  value: string;
}

export interface RoundTripResult {
  topic: string;
  messages: ReceivedMessage[];
  /** Wall time of the produce step (one sendBatch, acks=-1), ms. */
  produceMs: number;
  /** From consumer start to the last message received, ms (includes the group join). */
  consumeMs: number;
}

/**
 * Smallest end-to-end check of a cluster: create a topic, produce `count` keyed messages with acks=-1,
 * consume them back with a fresh group, return their metadata. Cleans up topic and clients.
 */
export async function roundTrip(
  conn: KafkaConnection,
  opts: { topic?: string; count?: number; partitions?: number; timeoutMs?: number; keepTopic?: boolean } = {},
): Promise<RoundTripResult> {
  const topic = opts.topic ?? `perflab-roundtrip-${Date.now().toString(36)}`;
  const count = opts.count ?? 10;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await createTopic(conn, { name: topic, partitions: opts.partitions ?? 3, replicationFactor: 1 });
  const kafka = labKafka(conn, "perflab-roundtrip");
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const received: ReceivedMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await producer.connect();
    const t0 = performance.now();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({ key: `key-${i % 5}`, value: `message ${i}` })),
    });
    const produceMs = performance.now() - t0;
    const t1 = performance.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${count} messages on ${topic}`, timeoutMs, `${received.length} received`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic: t, partition, message }) => {
            received.push({
              topic: t,
              partition,
              offset: message.offset,
              timestamp: Number(message.timestamp),
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? "",
            });
            if (received.length >= count) resolve();
          },
        })
        .catch(reject);
    });
    const consumeMs = performance.now() - t1;
    received.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    return { topic, messages: received, produceMs, consumeMs };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await producer.disconnect();
    if (!opts.keepTopic) await deleteTopics(conn, [topic]);
  }
}
