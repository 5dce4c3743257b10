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
  /** Each message once, by partition then offset. */
  messages: ReceivedMessage[];
  /** Wall time of the produce step (one acks=-1 request per key), ms. */
  produceMs: number;
  /** From consumer start to the last message received, ms (includes the group join). */
  consumeMs: number;
}

/**
 * Smallest end-to-end check of a cluster: create a topic, produce `count` messages with keys `key-0`…`key-4`
 * (message i has key i mod 5; one acks=-1 request per key),
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
  // Keyed by partition:offset: consumers are at-least-once (a rebalance before the group's first commit hands a
  // partition out again from its start), and a redelivery must neither count twice nor end the wait early.
  const received = new Map<string, ReceivedMessage>();
  let timer: NodeJS.Timeout | undefined;
  try {
    await producer.connect();
    const t0 = performance.now();
    // One request per key, so per partition: kafkajs retries a send spanning partitions wrongly when one partition
    // fails (kafkajs#1303). Before createTopic waited for leaders that take writes, 3 of 30 round trips beside two
    // CPU hogs met NOT_LEADER_OR_FOLLOWER and read back 25 records holding 15 distinct messages.
    const keys = Math.min(5, count);
    for (let k = 0; k < keys; k++) {
      const messages = [];
      for (let i = k; i < count; i += keys) messages.push({ key: `key-${k}`, value: `message ${i}` });
      await producer.send({ topic, acks: -1, messages });
    }
    const produceMs = performance.now() - t0;
    const t1 = performance.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${count} messages on ${topic}`, timeoutMs, `${received.size} received`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic: t, partition, message }) => {
            const id = `${partition}:${message.offset}`;
            if (received.has(id)) return;
            received.set(id, {
              topic: t,
              partition,
              offset: message.offset,
              timestamp: Number(message.timestamp),
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? "",
            });
            if (received.size >= count) resolve();
          },
        })
        .catch(reject);
    });
    const consumeMs = performance.now() - t1;
    const messages = [...received.values()].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    return { topic, messages, produceMs, consumeMs };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await producer.disconnect();
    if (!opts.keepTopic) await deleteTopics(conn, [topic]);
  }
}
