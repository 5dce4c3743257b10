// Benchmark: kafkajs and @platformatic/kafka, bare and driven by the lab, on one embedded broker, in one run,
// interleaved (the order rotates every round). Produce: single-message sends, and batches of 100 and 500
// messages of one partition each — every operation awaited before the next, as the platformatic authors
// measure (acks -1, 100-byte values, 3 partitions). Consume: 200k messages with a handler that only counts.
// The lab drives each client through its adapter with batchSize 1 / 100 / 500 and one batch in flight.
// Writes bench/results/clients.json.
//   node bench/clients.mjs [--rounds N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { consumeWithKafkajs, counter } from "./lib.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const { Kafka, logLevel } = require("kafkajs");
const plt = require("@platformatic/kafka");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg("--rounds", 8);
const PARTITIONS = 3;
const payload = Buffer.alloc(100, 120);
const SHAPES = [
  { name: "single", batch: 1, messages: 4000 },
  { name: "batch100", batch: 100, messages: 100_000 },
  { name: "batch500", batch: 500, messages: 200_000 },
];
const CONSUME = 200_000;
const CLIENTS = ["kafkajs", "platformatic"];

const kafkaHandle = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid });
const conn = lab.embeddedConnection(kafkaHandle.bootstrap);
const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: kafkaHandle.bootstrap, logLevel: logLevel.NOTHING });
const stamp = Date.now().toString(36);
const topics = [];
async function topic(name) {
  await lab.createTopic(conn, { name, partitions: PARTITIONS, replicationFactor: 1 });
  topics.push(name);
  return name;
}
const batchOf = (n, partition, t) => Array.from({ length: n }, () => ({ topic: t, key: null, value: payload, partition }));

/** Bare kafkajs: one partition per send(), awaited before the next (batch k goes to partition k mod 3). */
async function bareKafkajs(t, shape) {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  for (let sent = 0, k = 0; sent < shape.messages; sent += shape.batch, k++) {
    await producer.send({ topic: t, acks: -1, messages: batchOf(shape.batch, k % PARTITIONS, t) });
  }
  const ms = performance.now() - t0;
  await producer.disconnect();
  return (shape.messages / ms) * 1000;
}

/** Bare @platformatic/kafka: the same, with its send(). */
async function barePlatformatic(t, shape) {
  const producer = new plt.Producer({ clientId: "bench-platformatic", bootstrapBrokers: kafkaHandle.bootstrap, autocreateTopics: false });
  await producer.metadata({ topics: [t] });
  const t0 = performance.now();
  for (let sent = 0, k = 0; sent < shape.messages; sent += shape.batch, k++) {
    await producer.send({ acks: -1, messages: batchOf(shape.batch, k % PARTITIONS, t) });
  }
  const ms = performance.now() - t0;
  await producer.close();
  return (shape.messages / ms) * 1000;
}

/** The lab's producer over a client: batches of `batch`, one in flight (send waits for capacity). */
async function labProduce(client, t, shape) {
  const producer = new lab.InstrumentedProducer({ connection: conn, client, topic: t, batchSize: shape.batch, maxBufferedMessages: shape.batch, acks: -1 });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < shape.messages; i++) {
    if (producer.buffered >= shape.batch) await producer.waitForCapacity();
    producer.enqueue({ key: null, value: payload });
  }
  await producer.flush();
  const ms = performance.now() - t0;
  await producer.disconnect();
  if (producer.metrics.ackedCount !== shape.messages) throw new Error(`lab ${client} acked ${producer.metrics.ackedCount}/${shape.messages}`);
  return (shape.messages / ms) * 1000;
}

async function consumeKafkajs(t, group) {
  return consumeWithKafkajs(kafka, t, group, CONSUME);
}

async function consumePlatformatic(t, group) {
  const consumer = new plt.Consumer({ clientId: "bench-platformatic", groupId: group, bootstrapBrokers: kafkaHandle.bootstrap, autocommit: false, maxWaitTime: 500 });
  const stream = await consumer.consume({ topics: [t], mode: "earliest", autocommit: false });
  const ms = await new Promise((resolve, reject) => {
    const count = counter(CONSUME, resolve);
    stream.on("data", count);
    stream.on("error", reject);
  });
  await stream.close();
  await consumer.close(true);
  return (CONSUME / ms) * 1000;
}

async function labConsume(client, t, group) {
  let done;
  const finished = new Promise((r) => (done = r));
  const consumer = new lab.InstrumentedConsumer({ connection: conn, client, groupId: group, topics: [t], handler: counter(CONSUME, done) });
  await consumer.start();
  const ms = await finished;
  await consumer.stop();
  return (CONSUME / ms) * 1000;
}

const VARIANTS = [
  ["bare", "kafkajs"],
  ["bare", "platformatic"],
  ["lab", "kafkajs"],
  ["lab", "platformatic"],
];
const key = (op, who, client) => `${op}.${who}.${client}`;
const res = {};
// Round 0 warms the JIT of both clients and the lab, and the broker; it is not recorded.
for (let r = -1; r < ROUNDS; r++) {
  process.stderr.write(r < 0 ? "warm-up round …\n" : `round ${r + 1}/${ROUNDS} …\n`);
  const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(0, r)) % VARIANTS.length]);
  const round = {};
  for (const shape of SHAPES) {
    for (const [who, client] of order) {
      const t = await topic(`bc-${stamp}-${r}-${shape.name}-${who}-${client}`);
      round[key(shape.name, who, client)] = who === "lab" ? await labProduce(client, t, shape) : client === "kafkajs" ? await bareKafkajs(t, shape) : await barePlatformatic(t, shape);
    }
  }
  // Every consumer reads the same topic: 200k messages written by the lab's producer (batches of 500).
  const shared = await topic(`bc-${stamp}-${r}-consume`);
  await labProduce("kafkajs", shared, { batch: 500, messages: CONSUME });
  for (const [who, client] of order) {
    const group = `g-${stamp}-${r}-${who}-${client}`;
    round[key("consume", who, client)] = who === "lab" ? await labConsume(client, shared, group) : client === "kafkajs" ? await consumeKafkajs(shared, group) : await consumePlatformatic(shared, group);
  }
  await lab.deleteTopics(conn, topics.splice(0));
  if (r < 0) continue;
  for (const [k, v] of Object.entries(round)) (res[k] ??= []).push(v);
}

const stats = (xs) => lab.computeStatistics(xs);
const ratio = (a, b) => stats(res[a].map((x, i) => x / res[b][i]));
const ops = [...SHAPES.map((s) => s.name), "consume"];
const summary = {
  benchmark: "clients",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafkaHandle.kafkaVersion,
  clients: { kafkajs: require("kafkajs/package.json").version, platformatic: plt.clientSoftwareVersion },
  setup: { rounds: ROUNDS, acks: -1, partitions: PARTITIONS, messageSizeBytes: payload.length, shapes: SHAPES, consumeMessages: CONSUME, inFlight: 1 },
  throughputMsgsPerSec: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, stats(v)])),
  ratios: Object.fromEntries(
    ops.flatMap((op) => [
      [`${op}.bare.platformaticOverKafkajs`, ratio(key(op, "bare", "platformatic"), key(op, "bare", "kafkajs"))],
      [`${op}.lab.platformaticOverKafkajs`, ratio(key(op, "lab", "platformatic"), key(op, "lab", "kafkajs"))],
      ...CLIENTS.map((c) => [`${op}.${c}.labOverBare`, ratio(key(op, "lab", c), key(op, "bare", c))]),
    ]),
  ),
  published: { source: "Platformatic blog, “How We Made @platformatic/kafka 223% Faster” (v1.21.0)", producerSingleMessage: 1.48, producerBatch: 1.53 },
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "clients.json"), JSON.stringify(summary, null, 2) + "\n");
const ci = (x) => `${x.mean.toFixed(2)} (95% CI ${x.ci95Low.toFixed(2)} … ${x.ci95High.toFixed(2)})`;
const n = (x) => Math.round(x.mean).toLocaleString("en-US");
for (const op of ops) {
  const T = (who, c) => n(summary.throughputMsgsPerSec[key(op, who, c)]);
  console.log(`${op}: bare kafkajs ${T("bare", "kafkajs")} · bare platformatic ${T("bare", "platformatic")} · lab kafkajs ${T("lab", "kafkajs")} · lab platformatic ${T("lab", "platformatic")} msg/s`);
  console.log(`  platformatic/kafkajs bare ${ci(summary.ratios[`${op}.bare.platformaticOverKafkajs`])} · lab ${ci(summary.ratios[`${op}.lab.platformaticOverKafkajs`])}; lab/bare kafkajs ${ci(summary.ratios[`${op}.kafkajs.labOverBare`])} · platformatic ${ci(summary.ratios[`${op}.platformatic.labOverBare`])}`);
}
process.exit(0);
