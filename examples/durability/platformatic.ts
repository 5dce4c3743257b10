// The same orders sent with raw @platformatic/kafka: one send() per chunk across partitions, as in
// multi-partition.ts. Audited the same way, so the two clients' durability can be compared.
import { Producer, serializersFrom, stringSerializer } from "@platformatic/kafka";
import { platformaticOptions, producerAudit, type RoleContext } from "kafka-perf-lab";
import { sendLoop } from "./orders";

export async function main(ctx: RoleContext): Promise<void> {
  const producer = new Producer<string, string, string, string>({ ...platformaticOptions(ctx.connection, "orders-platformatic"), serializers: serializersFrom(stringSerializer) });
  const audit = producerAudit();
  try {
    await sendLoop(ctx, async (chunk) => {
      await audit.send(chunk, () => producer.send({ acks: -1, messages: chunk.map((o) => ({ topic: ctx.topic, key: o.key, value: o.value })) }));
    });
  } finally {
    await producer.close();
  }
}
