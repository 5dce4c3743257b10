// The fix: the same orders, grouped by partition first, one send() per partition. A retry after a leader
// change then resends exactly the messages of the partition that failed — nothing acknowledged is lost.
import { Kafka, logLevel } from "kafkajs";
import { kafkajsConfig, partitionForKey, producerAudit, type RoleContext } from "kafka-perf-lab";
import { sendLoop, type Order } from "./orders";

export async function main(ctx: RoleContext): Promise<void> {
  const kafka = new Kafka({ ...kafkajsConfig(ctx.connection, "orders-per-partition"), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const partitions = (await admin.fetchTopicMetadata({ topics: [ctx.topic] })).topics[0]!.partitions.length;
  await admin.disconnect();
  const audit = producerAudit();
  try {
    await sendLoop(ctx, async (chunk) => {
      // The partition kafkajs's default partitioner would pick for each key (murmur2, as the Java client).
      const byPartition = new Map<number, Order[]>();
      for (const o of chunk) {
        const p = partitionForKey(ctx.topic, o.key, partitions);
        byPartition.set(p, [...(byPartition.get(p) ?? []), o]);
      }
      await Promise.all([...byPartition].map(([partition, msgs]) => audit.send(msgs, () => producer.send({ topic: ctx.topic, acks: -1, messages: msgs.map((m) => ({ ...m, partition })) }))));
    });
  } finally {
    await producer.disconnect();
  }
}
