// Benchmark: Kafka and RabbitMQ with their bare Node clients (kafkajs, amqplib) and through the lab (the same
// clients driven by the lab's InstrumentedProducer / InstrumentedConsumer), the embedded broker of each on
// this machine, interleaved rounds (the order of the four variants rotates every round). Both set-ups are
// made as durable as their usual "safe" settings:
//   Kafka:    1 partition, RF 1, acks -1; batches of 100 messages per send(), each awaited (one in flight).
//   RabbitMQ: a durable classic queue, persistent messages, publisher confirms; windows of 100 publishes,
//             then the confirms (one window in flight).
// The lab sends the same windows (batchSize 100, one in flight); its default id carrier is Kafka's offsets
// (nothing added) and, on RabbitMQ, the 16-byte header (RabbitMQ returns no offsets).
// Consume: 50k messages, a handler that only counts. Kafka: bare commits nothing, the lab commits processed
// offsets every 5 s. RabbitMQ, prefetch 100: both ack the processed messages (multiple) whenever half the
// window is processed — one ack frame per 50 messages. 100-byte values.
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
const rabbitConn = lab.rabbitConnection(`amqp://127.0.0.1:${rabbit.amqpPort}`, "embedded", {});
const { RabbitAdmin } = require(path.join(root, "dist", "rabbitmq", "index.js")); // the runner's queue admin (not public API)
const labAdmin = new RabbitAdmin(rabbitConn);

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

/** The lab's producer over `client`: windows of WINDOW messages, one in flight (send waits for capacity). */
async function labProduce(client, name) {
  const rabbitmq = client === "amqplib";
  if (rabbitmq) await labAdmin.declareQueue(name);
  else await lab.createTopic(conn, { name, partitions: 1, replicationFactor: 1 });
  const producer = new lab.InstrumentedProducer({ connection: rabbitmq ? rabbitConn : conn, client, topic: name, batchSize: WINDOW, maxBufferedMessages: WINDOW, acks: -1, idCarrier: rabbitmq ? "header" : "offsets" });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    if (producer.buffered >= WINDOW) await producer.waitForCapacity();
    producer.enqueue({ key: null, value: payload });
  }
  await producer.flush();
  const ms = performance.now() - t0;
  await producer.disconnect();
  if (producer.metrics.ackedCount !== MESSAGES) throw new Error(`lab ${client} acked ${producer.metrics.ackedCount}/${MESSAGES}`);
  return (MESSAGES / ms) * 1000;
}

/** The lab's consumer over `client`, a handler that only counts. */
async function labConsume(client, name) {
  const rabbitmq = client === "amqplib";
  let done;
  const finished = new Promise((r) => (done = r));
  const consumer = new lab.InstrumentedConsumer({ connection: rabbitmq ? rabbitConn : conn, client, groupId: `g-lab-${name}`, topics: [name], handler: counter(MESSAGES, done), idCarrier: rabbitmq ? "header" : "offsets", prefetch: WINDOW });
  await consumer.start();
  const ms = await finished;
  await consumer.stop();
  if (rabbitmq) await labAdmin.deleteQueues([name]);
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
    let unacked = 0;
    void ch.consume(q, (m) => {
      if (!m) return;
      count();
      // Ack (multiple) at half the prefetch window, as the lab does: one frame per 50 messages.
      if (++unacked >= WINDOW / 2 || m.fields.deliveryTag === MESSAGES) {
        ch.ack(m, true);
        unacked = 0;
      }
    }).then((r) => (tag = r.consumerTag));
  });
  await ch.cancel(tag);
  await ch.deleteQueue(q);
  await ch.close();
  return (MESSAGES / ms) * 1000;
}

const VARIANTS = [
  ["bare", "kafka"],
  ["bare", "rabbitmq"],
  ["lab", "kafka"],
  ["lab", "rabbitmq"],
];
const res = {};
// Round 0 warms the JIT of both clients and the lab, and both brokers; it is not recorded.
for (let r = -1; r < ROUNDS; r++) {
  process.stderr.write(r < 0 ? "warm-up round …\n" : `round ${r + 1}/${ROUNDS} …\n`);
  const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(0, r)) % VARIANTS.length]);
  const name = (who) => `bb-${stamp}-${r}-${who}`;
  const round = {};
  for (const [who, broker] of order) {
    const client = broker === "kafka" ? "kafkajs" : "amqplib";
    round[`produce.${who}.${broker}`] = who === "lab" ? await labProduce(client, name(who)) : broker === "kafka" ? await kafkaProduce(name(who)) : await rabbitProduce(name(who));
  }
  for (const [who, broker] of order) {
    const client = broker === "kafka" ? "kafkajs" : "amqplib";
    round[`consume.${who}.${broker}`] = who === "lab" ? await labConsume(client, name(who)) : broker === "kafka" ? await kafkaConsume(name(who)) : await rabbitConsume(name(who));
  }
  await lab.deleteTopics(conn, [name("bare"), name("lab")]);
  if (r >= 0) for (const [k, v] of Object.entries(round)) (res[k] ??= []).push(v);
}
await amqpConn.close();
await labAdmin.close();

const stats = (xs) => lab.computeStatistics(xs);
const ratio = (a, b) => stats(res[a].map((x, i) => x / res[b][i]));
const summary = {
  benchmark: "brokers",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafkaHandle.kafkaVersion,
  rabbitmqVersion: rabbit.version,
  clients: { kafkajs: require("kafkajs/package.json").version, amqplib: JSON.parse(fs.readFileSync(path.join(root, "node_modules", "amqplib", "package.json"), "utf8")).version },
  setup: { rounds: ROUNDS, messages: MESSAGES, window: WINDOW, messageSizeBytes: payload.length, kafka: "1 partition, RF 1, acks -1, batches of 100 awaited", rabbitmq: "durable queue, persistent messages, publisher confirms per window of 100; consumer prefetch 100, multiple acks at half the window (bare and lab)", labIdCarrier: { kafka: "offsets", rabbitmq: "header" } },
  throughputMsgsPerSec: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, stats(v)])),
  ratios: Object.fromEntries(
    ["produce", "consume"].flatMap((op) => [
      [`${op}.bare.rabbitmqOverKafka`, ratio(`${op}.bare.rabbitmq`, `${op}.bare.kafka`)],
      [`${op}.lab.rabbitmqOverKafka`, ratio(`${op}.lab.rabbitmq`, `${op}.lab.kafka`)],
      [`${op}.kafka.labOverBare`, ratio(`${op}.lab.kafka`, `${op}.bare.kafka`)],
      [`${op}.rabbitmq.labOverBare`, ratio(`${op}.lab.rabbitmq`, `${op}.bare.rabbitmq`)],
    ]),
  ),
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "brokers.json"), JSON.stringify(summary, null, 2) + "\n");
const ci = (x) => `${x.mean.toFixed(2)} (95% CI ${x.ci95Low.toFixed(2)} … ${x.ci95High.toFixed(2)})`;
const n = (x) => Math.round(x.mean).toLocaleString("en-US");
for (const op of ["produce", "consume"]) {
  const T = (who, b) => n(summary.throughputMsgsPerSec[`${op}.${who}.${b}`]);
  console.log(`${op}: bare Kafka ${T("bare", "kafka")} · bare RabbitMQ ${T("bare", "rabbitmq")} · lab Kafka ${T("lab", "kafka")} · lab RabbitMQ ${T("lab", "rabbitmq")} msg/s`);
  console.log(`  RabbitMQ / Kafka bare ${ci(summary.ratios[`${op}.bare.rabbitmqOverKafka`])} · lab ${ci(summary.ratios[`${op}.lab.rabbitmqOverKafka`])}; lab / bare Kafka ${ci(summary.ratios[`${op}.kafka.labOverBare`])} · RabbitMQ ${ci(summary.ratios[`${op}.rabbitmq.labOverBare`])}`);
}
await lab.stopEmbeddedRabbitMQ();
process.exit(0);
