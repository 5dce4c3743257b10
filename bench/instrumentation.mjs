// Benchmark: what does the lab's instrumentation cost? Instrumented producer/consumer against bare kafkajs
// doing the same batching, on the same embedded broker, in the same run, interleaved (order alternating
// per round). Also the per-message recording cost in ns, and summarizing 1M latency samples.
// Writes bench/results/instrumentation.json.   node bench/instrumentation.mjs [--rounds N] [--messages N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const { Kafka, Partitioners, logLevel } = require("kafkajs");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg("--rounds", 6);
const N = arg("--messages", 100_000);
const BATCH = 200;
const IN_FLIGHT = 10;
const payload = Buffer.alloc(100, 120);

const stats = (xs) => lab.computeStatistics(xs);
const fmt = (s) => `${Math.round(s.mean).toLocaleString("en-US")} ± ${Math.round(s.std).toLocaleString("en-US")}`;

async function topic(conn, name) {
  await lab.createTopic(conn, { name, partitions: 3, replicationFactor: 1 });
  return name;
}

// Bare kafkajs: the same batching as the lab (200 messages per sendBatch, at most 10 batches in flight).
async function bareProduce(kafka, t) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  const inFlight = new Set();
  for (let sent = 0; sent < N; sent += BATCH) {
    const messages = [];
    for (let i = 0; i < BATCH; i++) messages.push({ key: null, value: payload });
    const p = producer.sendBatch({ topicMessages: [{ topic: t, messages }], acks: -1 });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const ms = performance.now() - t0;
  await producer.disconnect();
  return (N / ms) * 1000;
}

async function labProduce(conn, t, idCarrier) {
  const producer = new lab.InstrumentedProducer({ connection: conn, topic: t, batchSize: BATCH, maxBufferedMessages: BATCH * IN_FLIGHT, acks: -1, idCarrier });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if (producer.buffered >= BATCH * IN_FLIGHT) await producer.waitForCapacity();
    producer.enqueue({ key: null, value: payload });
  }
  await producer.flush();
  const ms = performance.now() - t0;
  await producer.disconnect();
  if (producer.metrics.ackedCount !== N) throw new Error(`instrumented producer acked ${producer.metrics.ackedCount}/${N}`);
  return (N / ms) * 1000;
}

const WORK_US = 10;
const work = (us) => {
  if (!us) return;
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
};

async function bareConsume(kafka, t, group, workUs = 0) {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: t, fromBeginning: true });
  let n = 0;
  let t0 = 0;
  const ms = await new Promise((resolve, reject) => {
    consumer
      .run({
        eachMessage: async () => {
          work(workUs);
          if (n === 0) t0 = performance.now();
          if (++n === N) resolve(performance.now() - t0);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return (N / ms) * 1000;
}

async function labConsume(conn, t, group, workUs = 0) {
  let n = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const consumer = new lab.InstrumentedConsumer({
    connection: conn,
    groupId: group,
    topics: [t],
    handler: () => {
      work(workUs);
      if (n === 0) t0 = performance.now();
      if (++n === N) done(performance.now() - t0);
    },
  });
  await consumer.start();
  const ms = await finished;
  await consumer.stop();
  return (N / ms) * 1000;
}

function recordingCost() {
  const K = 1_000_000;
  const p = new lab.ProducerMetrics(0);
  const c = new lab.ConsumerMetrics();
  const t = lab.monoMs();
  for (let i = 0; i < 50_000; i++) {
    p.nextSeq();
    p.onSend(100, t);
    p.onAck(i, t, t + 1, null);
    c.onReceive(0, i, t, Date.now(), 100, t + 2);
  }
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / K;
  };
  const send = time(() => {
    for (let i = 0; i < K; i++) {
      const now = lab.monoMs();
      const seq = p.nextSeq();
      p.onSend(100, now);
      p.onAck(seq, now, now + 1.5, null);
    }
  });
  const recv = time(() => {
    for (let i = 0; i < K; i++) {
      const now = lab.monoMs();
      c.onReceive(0, 50_000 + i, now - 2.5, 0, 100, now);
    }
  });
  const values = Float64Array.from({ length: K }, (_, i) => ((i * 2654435761) % 100_000) / 10);
  const t0 = performance.now();
  lab.computeStatistics(values);
  const statsMs = performance.now() - t0;
  const h = lab.createHistogram({ wasm: false });
  for (const v of values) lab.recordUs(h, v * 1000);
  const t1 = performance.now();
  lab.summarizeHistogram(lab.mergeHistograms([lab.encodeHistogram(h), lab.encodeHistogram(h)]));
  const mergeMs = performance.now() - t1;
  return { producerSendAndAckNs: +send.toFixed(1), consumerReceiveNs: +recv.toFixed(1), statistics1MSamplesMs: +statsMs.toFixed(1), mergeAndSummarize2HistogramsOf1MMs: +mergeMs.toFixed(1) };
}

const kafkaHandle = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid });
const conn = lab.embeddedConnection(kafkaHandle.bootstrap);
const kafka = new Kafka({ clientId: "bench-bare", brokers: kafkaHandle.bootstrap, logLevel: logLevel.NOTHING });
await lab.initHistograms();
const res = { bareProduce: [], labProduceHeader: [], labProduceTrailer: [], bareConsumeHeader: [], labConsumeHeader: [], bareConsumeTrailer: [], labConsumeTrailer: [], bareConsumeWork: [], labConsumeWork: [] };
const ratios = { produceHeader: [], produceTrailer: [], consumeHeader: [], consumeTrailer: [], consumeWork: [] };
const stamp = Date.now().toString(36);
for (let r = 0; r < ROUNDS; r++) {
  process.stderr.write(`round ${r + 1}/${ROUNDS} …\n`);
  // Order rotates per round so drift on a noisy machine hits every variant alike.
  const variants = ["bare", "header", "trailer"];
  const order = variants.map((_, i) => variants[(i + r) % variants.length]);
  const round = {};
  for (const who of order) {
    const t = await topic(conn, `bench-${stamp}-${r}-${who}`);
    if (who === "bare") round.bareProduce = await bareProduce(kafka, t);
    else round[who === "header" ? "labProduceHeader" : "labProduceTrailer"] = await labProduce(conn, t, who);
  }
  // Consumers: bare and instrumented read the same topic (written by the instrumented producer).
  // The third pair does 10 µs of CPU work per message in the handler, as a real application would.
  for (const [name, carrier, workUs] of [["Header", "header", 0], ["Trailer", "trailer", 0], ["Work", "header", WORK_US]]) {
    const shared = `bench-${stamp}-${r}-${carrier}`;
    for (const who of r % 2 === 0 ? ["bare", "lab"] : ["lab", "bare"]) {
      const group = `g-${stamp}-${r}-${name}-${who}`;
      round[`${who}Consume${name}`] = who === "bare" ? await bareConsume(kafka, shared, group, workUs) : await labConsume(conn, shared, group, workUs);
    }
  }
  for (const k of Object.keys(res)) res[k].push(round[k]);
  ratios.produceHeader.push(round.labProduceHeader / round.bareProduce);
  ratios.produceTrailer.push(round.labProduceTrailer / round.bareProduce);
  ratios.consumeHeader.push(round.labConsumeHeader / round.bareConsumeHeader);
  ratios.consumeTrailer.push(round.labConsumeTrailer / round.bareConsumeTrailer);
  ratios.consumeWork.push(round.labConsumeWork / round.bareConsumeWork);
}
await lab.deleteTopics(conn, (await lab.withAdmin(conn, (a) => a.listTopics())).filter((t) => t.startsWith(`bench-${stamp}`)));
const cost = recordingCost();
const summary = {
  benchmark: "instrumentation",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafkaHandle.kafkaVersion,
  setup: { handlerWorkUs: WORK_US, messages: N, messageSizeBytes: payload.length, batch: BATCH, maxBatchesInFlight: IN_FLIGHT, rounds: ROUNDS, acks: -1, partitions: 3 },
  throughputMsgsPerSec: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, stats(v)])),
  ratioInstrumentedOverBare: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, stats(v)])),
  recording: cost,
  targets: { ratio: 0.97, summary1MSamplesMs: 1000 },
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "instrumentation.json"), JSON.stringify(summary, null, 2) + "\n");
const ci = (x) => `${x.mean.toFixed(3)} (95% CI ${x.ci95Low.toFixed(3)} … ${x.ci95High.toFixed(3)})`;
const T = summary.throughputMsgsPerSec;
const R = summary.ratioInstrumentedOverBare;
console.log(`producer msg/s: bare ${fmt(T.bareProduce)} · lab, id in header ${fmt(T.labProduceHeader)} · lab, id in trailer ${fmt(T.labProduceTrailer)}`);
console.log(`  ratio lab/bare: header ${ci(R.produceHeader)} · trailer ${ci(R.produceTrailer)}`);
console.log(`consumer msg/s (same records): header topic bare ${fmt(T.bareConsumeHeader)} vs lab ${fmt(T.labConsumeHeader)} · trailer topic bare ${fmt(T.bareConsumeTrailer)} vs lab ${fmt(T.labConsumeTrailer)}`);
console.log(`  ratio lab/bare: header ${ci(R.consumeHeader)} · trailer ${ci(R.consumeTrailer)}`);
console.log(`consumer with ${WORK_US} µs of work per message: bare ${fmt(T.bareConsumeWork)} vs lab ${fmt(T.labConsumeWork)} · ratio ${ci(R.consumeWork)}`);
console.log(`recording: send+ack ${cost.producerSendAndAckNs} ns/msg, receive ${cost.consumerReceiveNs} ns/msg; statistics of 1M samples ${cost.statistics1MSamplesMs} ms; merge+summary of 2×1M-sample histograms ${cost.mergeAndSummarize2HistogramsOf1MMs} ms`);
process.exit(0);
