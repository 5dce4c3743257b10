// Benchmark: what the JVM's C2 compiler costs a short-lived embedded broker. One broker started with the lab's
// default flags, and one with PERFLAB_BROKER_JVM_OPTS=-XX:TieredStopAtLevel=1 (the client compiler only, as the
// test driver runs its brokers), in interleaved rounds: the broker's CPU time to "every broker in the metadata",
// then a fixed load (bare kafkajs: N messages of 200 B produced in batches of 100 to 3 partitions with acks 1,
// and consumed) — its wall time and the broker's CPU time for it. Ratios C1-only / default within each round.
// Writes bench/results/broker-jit.json.
//   node bench/broker-jit.mjs [--reps N] [--messages N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { consumeWithKafkajs, round4 } from "./lib.mjs";
import { brokerJitTable } from "./tables.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const { Kafka, logLevel } = require("kafkajs");
const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const reps = arg("--reps", 6);
const messages = arg("--messages", 150_000);
const C1 = "-XX:TieredStopAtLevel=1";

const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
function brokerCpuS(stateDir) {
  const state = JSON.parse(fs.readFileSync(path.join(stateDir, "cluster", "state.json"), "utf8"));
  return state.brokers.reduce((sum, b) => {
    const stat = fs.readFileSync(`/proc/${b.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return sum + (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
  }, 0);
}

async function load(bootstrap) {
  const kafka = new Kafka({ clientId: "bench-jit", brokers: bootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "jit", numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(200, 7);
  const t0 = performance.now();
  for (let sent = 0; sent < messages; sent += 300) {
    const topicMessages = [0, 1, 2].map((partition) => ({ topic: "jit", messages: Array.from({ length: 100 }, () => ({ partition, value })) }));
    await producer.sendBatch({ acks: 1, topicMessages });
  }
  await producer.disconnect();
  await consumeWithKafkajs(kafka, "jit", "bench-jit", Math.ceil(messages / 300) * 300);
  return performance.now() - t0;
}

async function once(c1) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-jit-"));
  if (c1) process.env.PERFLAB_BROKER_JVM_OPTS = C1;
  else delete process.env.PERFLAB_BROKER_JVM_OPTS;
  try {
    const k = await lab.startEmbeddedKafka({ stateDir, brokers: 1, basePort: "auto", owner: process.pid });
    const startCpuS = brokerCpuS(stateDir);
    const loadMs = await load(k.bootstrap);
    return { startCpuS, loadCpuS: brokerCpuS(stateDir) - startCpuS, loadMs };
  } finally {
    await lab.stopEmbeddedKafka({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const runs = { default: [], c1: [] };
for (let i = 0; i < reps; i++) {
  // Interleaved, the order alternating: drift on a noisy machine hits both alike; ratios within a round.
  for (const v of i % 2 ? ["c1", "default"] : ["default", "c1"]) {
    process.stderr.write(`round ${i + 1}/${reps}: ${v} …\n`);
    runs[v].push(await once(v === "c1"));
  }
}
const stats = (xs) => lab.computeStatistics(xs);
const keys = ["startCpuS", "loadCpuS", "loadMs"];
const summary = round4({
  benchmark: "broker-jit",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  reps,
  messages,
  flags: C1,
  default: Object.fromEntries(keys.map((k) => [k, stats(runs.default.map((r) => r[k]))])),
  c1: Object.fromEntries(keys.map((k) => [k, stats(runs.c1.map((r) => r[k]))])),
  ratioC1OverDefault: Object.fromEntries(keys.map((k) => [k, stats(runs.c1.map((r, i) => r[k] / runs.default[i][k]))])),
});
fs.writeFileSync(path.join(root, "bench", "results", "broker-jit.json"), JSON.stringify(summary, null, 2) + "\n");
console.log(brokerJitTable(summary));
process.exit(0);
