// Benchmark: what does the lab's instrumentation cost? The lab's producer and consumer against bare kafkajs
// doing the same thing — one partition per request, 200 messages per request, at most 10 requests in
// flight — on the same embedded broker, in the same run, interleaved (the order rotates every round).
// Producer variants: offsets (the default: nothing added to the messages), the id header, the id trailer.
// Also: the per-message recording cost (ns), the offset join (ms per million messages), statistics of
// 1M samples. Writes bench/results/instrumentation.json.
//   node bench/instrumentation.mjs [--rounds N] [--messages N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = (p) => require(path.join(root, "dist", p));
const lab = dist("index.js");
const { ProducerMetrics } = dist("workload/producer-metrics.js");
const { ConsumerMetrics } = dist("workload/consumer-metrics.js");
const { Batch } = dist("workload/batch.js");
const { joinOffsets } = dist("results/join.js");
const hist = dist("metrics/histogram.js");
const { monoMs } = dist("metrics/clock.js");
const { Kafka, logLevel } = require("kafkajs");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg("--rounds", 16);
const N = arg("--messages", 500_000);
const BATCH = 200;
const IN_FLIGHT = 10;
const PARTITIONS = 3;
const payload = Buffer.alloc(100, 120);

const stats = (xs) => lab.computeStatistics(xs);
const fmt = (s) => `${Math.round(s.mean).toLocaleString("en-US")} ± ${Math.round(s.std).toLocaleString("en-US")}`;

async function topic(conn, name) {
  await lab.createTopic(conn, { name, partitions: PARTITIONS, replicationFactor: 1 });
  return name;
}

// Bare kafkajs, the lab's batching by hand: batch k is 200 messages of partition k mod 3, one sendBatch each.
async function bareProduce(kafka, t) {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  const inFlight = new Set();
  for (let sent = 0, k = 0; sent < N; sent += BATCH, k++) {
    const partition = k % PARTITIONS;
    const messages = [];
    for (let i = 0; i < BATCH; i++) messages.push({ key: null, value: payload, partition });
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
        // The lab commits processed offsets on its own timer (5 s, longer than a run): no kafkajs autoCommit either.
        autoCommit: false,
        // Synchronous, as the lab's handler: kafkajs awaits whatever it returns, and undefined costs no promise.
        eachMessage: () => {
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

// `journal`: as in a run, where every consumer journals its receipts to the runner before each commit (16 bytes a
// message, handed over in 64 KiB chunks); here the chunks go to a sink that only counts them.
let journalBytes = 0;
async function labConsume(conn, t, group, idCarrier, workUs = 0, journal = false) {
  let n = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const consumer = new lab.InstrumentedConsumer({
    connection: conn,
    groupId: group,
    topics: [t],
    idCarrier,
    journal: journal ? async (chunk) => void (journalBytes += chunk.length) : undefined,
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

/** Recording cost per message (ns) on the hot paths, one clock read, the offset join, and statistics of 1M values. */
function recordingCost() {
  const K = 1_000_000;
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / K;
  };
  const p = new ProducerMetrics(0, "offsets");
  const c = new ConsumerMetrics("offsets");
  const t = monoMs();
  const sendAndAck = time(() => {
    for (let b = 0; b < K / BATCH; b++) {
      const batch = new Batch("t", b % 3);
      for (let i = 0; i < BATCH; i++) {
        const now = monoMs();
        p.onSend(100, now);
        batch.add({ key: null, value: payload }, 100, now, undefined, undefined, null);
      }
      p.onAckedBatch(batch, b * BATCH, t, monoMs());
    }
  });
  const receive = time(() => {
    const rec = { timestamp: Date.now() };
    for (let i = 0; i < K; i++) c.onReceive(i % 3, Math.floor(i / 3), null, rec, 100, monoMs());
  });
  let sink = 0;
  const clock = time(() => {
    for (let i = 0; i < K; i++) sink += monoMs();
  });
  if (sink === 0) throw new Error("unreachable: keeps the clock loop from being optimized away");
  const joinMs = time(() => joinOffsets([{ log: p.offsetLog, sent: K, failed: 0 }], [{ roleId: "c", log: c.offsetLog }])) * (K / 1e6);
  const values = Float64Array.from({ length: K }, (_, i) => ((i * 2654435761) % 100_000) / 10);
  const t0 = performance.now();
  lab.computeStatistics(values);
  const statsMs = performance.now() - t0;
  const h = hist.createHistogram({ wasm: false });
  for (const v of values) hist.recordUs(h, v * 1000);
  const t1 = performance.now();
  hist.summarizeHistogram(hist.mergeHistograms([hist.encodeHistogram(h), hist.encodeHistogram(h)]));
  const mergeMs = performance.now() - t1;
  const offsetBytesPerMessage = (p.offsetLog.encode().length + c.offsetLog.encode().length) / K;
  return {
    producerSendAndAckNs: +sendAndAck.toFixed(1),
    consumerReceiveNs: +receive.toFixed(1),
    clockReadNs: +clock.toFixed(1),
    offsetJoinMsPerMillion: +joinMs.toFixed(1),
    offsetRecordBytesPerMessage: +offsetBytesPerMessage.toFixed(2),
    statistics1MSamplesMs: +statsMs.toFixed(1),
    mergeAndSummarize2HistogramsOf1MMs: +mergeMs.toFixed(1),
  };
}

const kafkaHandle = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid });
const conn = lab.embeddedConnection(kafkaHandle.bootstrap);
const kafka = new Kafka({ clientId: "bench-bare", brokers: kafkaHandle.bootstrap, logLevel: logLevel.NOTHING });
await hist.initHistograms();
const PRODUCERS = ["bare", "offsets", "header", "trailer"];
const res = { bareProduce: [], labProduceOffsets: [], labProduceHeader: [], labProduceTrailer: [] };
const ratios = { produceOffsets: [], produceHeader: [], produceTrailer: [] };
const CONSUMERS = [
  ["Offsets", "offsets", 0, false],
  ["Journal", "offsets", 0, true],
  ["Header", "header", 0, false],
  ["Work", "offsets", WORK_US, false],
];
for (const [name] of CONSUMERS) {
  res[`bareConsume${name}`] = [];
  res[`labConsume${name}`] = [];
  ratios[`consume${name}`] = [];
}
const stamp = Date.now().toString(36);
// Round 0 warms the JIT (kafkajs's and the lab's code) and the broker; it is not recorded.
for (let r = -1; r < ROUNDS; r++) {
  process.stderr.write(r < 0 ? "warm-up round …\n" : `round ${r + 1}/${ROUNDS} …\n`);
  // The order rotates per round so drift on a noisy machine hits every variant alike.
  const order = PRODUCERS.map((_, i) => PRODUCERS[(i + Math.max(0, r)) % PRODUCERS.length]);
  const round = {};
  for (const who of order) {
    const t = await topic(conn, `bench-${stamp}-${r}-${who}`);
    if (who === "bare") round.bareProduce = await bareProduce(kafka, t);
    else round[`labProduce${who[0].toUpperCase()}${who.slice(1)}`] = await labProduce(conn, t, who);
  }
  // Consumers: bare and instrumented read the same topic (written by the lab's producer with that carrier).
  // "Work": 10 µs of CPU per message in the handler, as a real application would do.
  for (const [name, carrier, workUs, journal] of CONSUMERS) {
    const shared = `bench-${stamp}-${r}-${carrier}`; // written by the lab's producer with that carrier above
    for (const who of r % 2 === 0 ? ["bare", "lab"] : ["lab", "bare"]) {
      const group = `g-${stamp}-${r}-${name}-${who}`;
      round[`${who}Consume${name}`] = who === "bare" ? await bareConsume(kafka, shared, group, workUs) : await labConsume(conn, shared, group, carrier, workUs, journal);
    }
  }
  if (r < 0) continue;
  for (const k of Object.keys(res)) res[k].push(round[k]);
  for (const v of ["Offsets", "Header", "Trailer"]) ratios[`produce${v}`].push(round[`labProduce${v}`] / round.bareProduce);
  for (const [name] of CONSUMERS) ratios[`consume${name}`].push(round[`labConsume${name}`] / round[`bareConsume${name}`]);
}
await lab.deleteTopics(conn, (await lab.withAdmin(conn, (a) => a.listTopics())).filter((t) => t.startsWith(`bench-${stamp}`)));
const cost = recordingCost();
const summary = {
  benchmark: "instrumentation",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafkaHandle.kafkaVersion,
  setup: { handlerWorkUs: WORK_US, messages: N, messageSizeBytes: payload.length, batch: BATCH, maxBatchesInFlight: IN_FLIGHT, rounds: ROUNDS, acks: -1, partitions: PARTITIONS },
  throughputMsgsPerSec: Object.fromEntries(Object.entries(res).map(([k, v]) => [k, stats(v)])),
  ratioInstrumentedOverBare: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, stats(v)])),
  recording: { ...cost, journalBytesPerMessage: +(journalBytes / (N * (ROUNDS + 1))).toFixed(2) },
  targets: { ratio: 0.97, summary1MSamplesMs: 1000 },
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "instrumentation.json"), JSON.stringify(summary, null, 2) + "\n");
const ci = (x) => `${x.mean.toFixed(3)} (95% CI ${x.ci95Low.toFixed(3)} … ${x.ci95High.toFixed(3)})`;
const T = summary.throughputMsgsPerSec;
const R = summary.ratioInstrumentedOverBare;
console.log(`producer msg/s: bare ${fmt(T.bareProduce)} · lab offsets ${fmt(T.labProduceOffsets)} · header ${fmt(T.labProduceHeader)} · trailer ${fmt(T.labProduceTrailer)}`);
console.log(`  ratio lab/bare: offsets ${ci(R.produceOffsets)} · header ${ci(R.produceHeader)} · trailer ${ci(R.produceTrailer)}`);
for (const [name] of CONSUMERS) console.log(`consumer ${name}: bare ${fmt(T[`bareConsume${name}`])} vs lab ${fmt(T[`labConsume${name}`])} · ratio ${ci(R[`consume${name}`])}`);
console.log(`recording: send+ack ${cost.producerSendAndAckNs} ns/msg, receive ${cost.consumerReceiveNs} ns/msg; offset join ${cost.offsetJoinMsPerMillion} ms per 1M messages (${cost.offsetRecordBytesPerMessage} B/msg of records); statistics of 1M samples ${cost.statistics1MSamplesMs} ms`);
process.exit(0);
