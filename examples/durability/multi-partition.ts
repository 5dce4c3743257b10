// A producer as it is often written with kafkajs: one producer.send() per chunk of keyed messages, so one
// call carries messages for every partition (and every broker). kafkajs 2.2.4 can resolve such a call
// although some of its messages were never written: when a broker dies mid-call and its partitions move
// to a broker that had already answered, the retry skips them (kafkajs#1303). The audit shows it.
import { Kafka, logLevel } from "kafkajs";
import { kafkajsConfig, producerAudit, type RoleContext } from "kafka-perf-lab";
import { sendLoop } from "./orders";

export async function main(ctx: RoleContext): Promise<void> {
  const kafka = new Kafka({ ...kafkajsConfig(ctx.connection, "orders-multi-partition"), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const audit = producerAudit();
  try {
    await sendLoop(ctx, async (chunk) => {
      await audit.send(chunk, () => producer.send({ topic: ctx.topic, acks: -1, messages: chunk }));
    });
  } finally {
    await producer.disconnect();
  }
}
