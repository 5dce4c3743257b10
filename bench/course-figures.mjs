// Benchmark: the figures the course reports asked for, measured with the lab itself on embedded Kafka.
//  1. "publish 100 messages" loop: mean ± std over 10 repetitions (+1 warm-up), cold run apart.
//  2. The naive vs the improved movie-data sink on the same workload: consume throughput, and what it
//     means per two minutes (the course measured 6–8k vs 25–30k messages per two minutes).
// Writes bench/results/course-figures.json.   node bench/course-figures.mjs [--sink-messages N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const SINK_MESSAGES = arg("--sink-messages", 3000);
const out = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-course-"));
const kafka = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid });
const connection = lab.embeddedConnection(kafka.bootstrap);
const common = { connection, reportsDir: out, profilesDir: out, progress: "plain" };

const publish = await lab.runExperiment({ name: "publish-100", workload: { messages: 100 }, consumers: { count: 1 }, repetitions: 10, warmup: 1 }, common);
const loop = publish.summaries.find((s) => s.metric === "producerLoopMs");

const sink = await lab.runExperiment(path.join(root, "examples", "ratings", "sink.yaml"), { ...common, sets: [`workload.messages=${SINK_MESSAGES}`, "repetitions=5"] });
const byLabel = (label, metric) => sink.summaries.find((s) => s.label === label && s.metric === metric);
const naive = byLabel("naive", "consumeThroughputMsgsPerSec");
const improved = byLabel("improved", "consumeThroughputMsgsPerSec");
const warm = (label) => lab.warmRows(sink.repetitions.filter((r) => r.label === label)).map((r) => r.consumeThroughputMsgsPerSec);
const comparison = lab.compareSamples(warm("naive"), warm("improved"));

const result = {
  benchmark: "course-figures",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  kafkaVersion: kafka.kafkaVersion,
  publish100: {
    description: "producer loop: publish 100 messages (acks=-1, batchSize 100, linger 0), first send → last ack",
    warm: { n: loop.n, meanMs: loop.mean, stdMs: loop.std, minMs: loop.min, maxMs: loop.max, ci95Ms: [loop.ci95Low, loop.ci95High] },
    coldMs: loop.cold,
    coldRatio: loop.coldRatio,
  },
  sink: {
    description: `consume throughput of the movie-data sink, ${SINK_MESSAGES} ratings per repetition, 1 consumer, 3 partitions`,
    naiveMsgsPerSec: { mean: naive.mean, std: naive.std, n: naive.n },
    improvedMsgsPerSec: { mean: improved.mean, std: improved.std, n: improved.n },
    speedup: improved.mean / naive.mean,
    perTwoMinutes: { naive: Math.round(naive.mean * 120), improved: Math.round(improved.mean * 120) },
    test: { name: comparison.test, p: comparison.p, hedgesG: comparison.effectSize },
    lostOrDuplicated: sink.repetitions.reduce((n, r) => n + r.lost + r.duplicates, 0),
  },
};
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "course-figures.json"), JSON.stringify(result, null, 2) + "\n");
fs.rmSync(out, { recursive: true, force: true });
const f = (x) => x.toFixed(1);
console.log(`publish 100 messages: ${f(loop.mean)} ms ± ${f(loop.std)} ms (n=${loop.n} warm, range ${f(loop.min)} … ${f(loop.max)} ms); cold run ${f(loop.cold)} ms (${loop.coldRatio.toFixed(2)}×)`);
console.log(`sink: naive ${Math.round(naive.mean)} ± ${Math.round(naive.std)} msg/s · improved ${Math.round(improved.mean)} ± ${Math.round(improved.std)} msg/s · ${result.sink.speedup.toFixed(1)}× faster (${comparison.test}, p = ${comparison.p.toPrecision(2)})`);
console.log(`per two minutes: naive ${result.sink.perTwoMinutes.naive.toLocaleString("en-US")} · improved ${result.sink.perTwoMinutes.improved.toLocaleString("en-US")} messages (course: 6–8k vs 25–30k)`);
process.exit(0);
