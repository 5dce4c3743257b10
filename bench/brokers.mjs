// Benchmark: Kafka and RabbitMQ with their bare Node clients (kafkajs, amqplib), the embedded broker of each
// on this machine, interleaved rounds (the order alternates every round). Not through the lab yet: the lab
// cannot drive RabbitMQ (issue #12). Both set-ups are made as durable as their usual "safe" settings:
//   Kafka:    1 partition, RF 1, acks -1; batches of 100 messages per send(), each awaited (one in flight).
//   RabbitMQ: a durable classic queue, persistent messages, publisher confirms; windows of 100 publishes,
//             then waitForConfirms() (one window in flight).
// Consume: 50k messages, a handler that only counts; Kafka commits nothing, RabbitMQ acks each message with
// prefetch 100 (the analogue of commit-after-processing). 100-byte values.
// Writes bench/results/brokers.json.
//   node bench/brokers.mjs [--rounds N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { consumeWithKafkajs, counter } from "./lib.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const { Kafka, logLevel } = require("kafkajs");
const amqp = require("amqplib");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg("--rounds", 8);
const MESSAGES = 50_000;
const WINDOW = 100;
const payload = Buffer.alloc(100, 120);

const kafkaHandle = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid });
const conn = lab.embeddedConnection(kafkaHandle.bootstrap);
const kafka = new Kafka({ clientId: "bench-brokers", brokers: kafkaHandle.bootstrap, logLevel: logLevel.NOTHING });
const rabbit = await lab.startEmbeddedRabbitMQ({ owner: process.pid });
const amqpConn = await amqp.connect(lab.amqpUrlOf(rabbit));
const stamp = Date.now().toString(36);

async function kafkaProduce(t) {
  await lab.createTopic(conn, { name: t, partitions: 1, replicationFactor: 1 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = Array.from({ length: WINDOW }, () => ({ value: payload }));
  const t0 = performance.now();
  for (let sent = 0; sent < MESSAGES; sent += WINDOW) await producer.send({ topic: t, acks: -1, messages });
  const ms = performance.now() - t0;
  await producer.disconnect();
  return (MESSAGES / ms) * 1000;
}

async function rabbitProduce(q) {
  const ch = await amqpConn.createConfirmChannel();
  await ch.assertQueue(q, { durable: true });
  const t0 = performance.now();
  for (let sent = 0; sent < MESSAGES; sent += WINDOW) {
    for (let i = 0; i < WINDOW; i++) ch.sendToQueue(q, payload, { persistent: true });
    await ch.waitForConfirms();
  }
  const ms = performance.now() - t0;
  await ch.close();
  return (MESSAGES / ms) * 1000;
}

async function kafkaConsume(t) {
  return consumeWithKafkajs(kafka, t, `g-${t}`, MESSAGES);
}

async function rabbitConsume(q) {
  const ch = await amqpConn.createChannel();
  await ch.prefetch(WINDOW);
  let tag = "";
  const ms = await new Promise((resolve) => {
    const count = counter(MESSAGES, resolve);
    void ch.consume(q, (m) => {
      if (!m) return;
      count();
      ch.ack(m);
    }).then((r) => (tag = r.consumerTag));
  });
  await ch.cancel(tag);
  await ch.deleteQueue(q);
  await ch.close();
  return (MESSAGES / ms) * 1000;
}

const res = { "produce.kafka": [], "produce.rabbitmq": [], "consume.kafka": [], "consume.rabbitmq": [] };
for (let r = -1; r < ROUNDS; r++) {
  process.stderr.write(r < 0 ? "warm-up round …\n" : `round ${r + 1}/${ROUNDS} …\n`);
  const name = `bb-${stamp}-${r}`;
  const kafkaFirst = r % 2 === 0;
  const round = {};
  for (const broker of kafkaFirst ? ["kafka", "rabbitmq"] : ["rabbitmq", "kafka"]) {
    round[`produce.${broker}`] = broker === "kafka" ? await kafkaProduce(name) : await rabbitProduce(name);
  }
  for (const broker of kafkaFirst ? ["kafka", "rabbitmq"] : ["rabbitmq", "kafka"]) {
    round[`consume.${broker}`] = broker === "kafka" ? await kafkaConsume(name) : await rabbitConsume(name);
  }
  await lab.deleteTopics(conn, [name]);
  if (r >= 0) for (const [k, v] of Object.entries(round)) res[k].push(v);
}
await amqpConn.close();

const stats = (xs) => lab.computeStatistics(xs);
const ratio = (a, b) => stats(res[a].map((x, i) => x / res[b][i]));
const summary = {
  benchmark: "brokers",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafkaHandle.kafkaVersion,
  rabbitmqVersion: rabbit.version,
  clients: { kafkajs: require("kafkajs/package.json").version, amqplib: JSON.parse(fs.readFileSync(path.join(root, "node_modules", "amqplib", "package.json"), "utf8")).version },
  setup: { rounds: ROUNDS, messages: MESSAGES, window: WINDOW, messageSizeBytes: payload.length, kafka: "1 partition, RF 1, acks -1, batches of 100 awaited", rabbitmq: "durable queue, persistent messages, publisher confirms per window of 100; consumer prefetch 100, manual ack per message" },
  throughputMsgsPerSec: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, stats(v)])),
  ratios: { "produce.rabbitmqOverKafka": ratio("produce.rabbitmq", "produce.kafka"), "consume.rabbitmqOverKafka": ratio("consume.rabbitmq", "consume.kafka") },
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "brokers.json"), JSON.stringify(summary, null, 2) + "\n");
const ci = (x) => `${x.mean.toFixed(2)} (95% CI ${x.ci95Low.toFixed(2)} … ${x.ci95High.toFixed(2)})`;
const n = (x) => Math.round(x.mean).toLocaleString("en-US");
for (const op of ["produce", "consume"]) {
  console.log(`${op}: Kafka ${n(summary.throughputMsgsPerSec[`${op}.kafka`])} msg/s · RabbitMQ ${n(summary.throughputMsgsPerSec[`${op}.rabbitmq`])} msg/s · RabbitMQ / Kafka ${ci(summary.ratios[`${op}.rabbitmqOverKafka`])}`);
}
await lab.stopEmbeddedRabbitMQ();
process.exit(0);
