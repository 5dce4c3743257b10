// Benchmark: how long `perflab kafka up` takes to a cluster whose metadata shows every broker, for 1 and
// 3 brokers, against a baseline measured in the same run: one bare broker JVM (already formatted, started
// by hand) until its log says "Kafka Server started". Writes bench/results/kafka-startup.json.
//   node bench/kafka-startup.mjs [--reps N]
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const reps = Number(process.argv[process.argv.indexOf("--reps") + 1] || 3);
const bin = path.join(root, "bin", "perflab.js");

function cli(args, env) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) throw new Error(`perflab ${args.join(" ")} failed: ${r.stderr}`);
  return performance.now() - t0;
}

async function labUp(brokers) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-"));
  const base = await lab.findFreeBase(brokers);
  try {
    return cli(["kafka", "up", "--brokers", String(brokers), "--port", String(base)], { PERFLAB_STATE_DIR: dir });
  } finally {
    cli(["kafka", "down"], { PERFLAB_STATE_DIR: dir });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Baseline: format once with StorageTool, then time only `java … kafka.Kafka` to its "started" log line.
async function bareBroker() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-bare-"));
  const base = await lab.findFreeBase(1);
  const jars = lab.kafkaJarsDir();
  const props = path.join(dir, "server.properties");
  const [p] = lab.brokerPorts(1, base, false);
  fs.writeFileSync(props, lab.brokerProperties({ self: p, all: [p], host: "127.0.0.1", dataDir: path.join(dir, "data") }));
  const cp = path.join(jars, "*");
  const id = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString("base64url");
  spawnSync("java", ["-cp", cp, "kafka.tools.StorageTool", "format", "-t", id, "-c", props], { stdio: "ignore" });
  const log = path.join(dir, "out.log");
  const log4j = path.join(dir, "log4j2.yaml");
  fs.writeFileSync(log4j, "Configuration:\n  Appenders:\n    Console:\n      name: out\n      PatternLayout:\n        pattern: \"%m%n\"\n  Loggers:\n    Root:\n      level: INFO\n      AppenderRef:\n        - ref: out\n");
  const out = fs.openSync(log, "a");
  const t0 = performance.now();
  const child = spawn("java", ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", `-Dlog4j2.configurationFile=${log4j}`, "-cp", cp, "kafka.Kafka", props], { stdio: ["ignore", out, out] });
  try {
    for (;;) {
      if (fs.readFileSync(log, "utf8").includes("Kafka Server started")) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error("bare broker did not start in 120 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill("SIGKILL");
    fs.closeSync(out);
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const stats = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { n: xs.length, meanMs: Math.round(mean), sdMs: Math.round(sd), minMs: Math.round(Math.min(...xs)), maxMs: Math.round(Math.max(...xs)) };
};

await lab.ensureKafkaJars();
const results = { bare: [], up1: [], up3: [] };
// Interleaved, so drift on a noisy machine hits every variant alike.
for (let i = 0; i < reps; i++) {
  process.stderr.write(`rep ${i + 1}/${reps} …\n`);
  results.bare.push(await bareBroker());
  results.up1.push(await labUp(1));
  results.up3.push(await labUp(3));
}
const summary = {
  benchmark: "kafka-startup",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, java: spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0] },
  kafkaVersion: lab.kafkaVersion(),
  reps,
  bareBrokerToStartedLog: stats(results.bare),
  perflabUp1BrokerToMetadata: stats(results.up1),
  perflabUp3BrokersToMetadata: stats(results.up3),
  ratioUp1VsBare: +(stats(results.up1).meanMs / stats(results.bare).meanMs).toFixed(2),
  targets: { up1BrokerMs: 15_000, up3BrokersMs: 30_000 },
};
summary.meetsTargets = summary.perflabUp1BrokerToMetadata.maxMs < 15_000 && summary.perflabUp3BrokersToMetadata.maxMs < 30_000;
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "kafka-startup.json"), JSON.stringify(summary, null, 2) + "\n");
const f = (s) => `${(s.meanMs / 1000).toFixed(2)} s ± ${(s.sdMs / 1000).toFixed(2)} s (range ${(s.minMs / 1000).toFixed(2)} … ${(s.maxMs / 1000).toFixed(2)} s, n=${s.n})`;
console.log(`bare broker JVM to "started":      ${f(summary.bareBrokerToStartedLog)}`);
console.log(`perflab kafka up --brokers 1:      ${f(summary.perflabUp1BrokerToMetadata)}  (${summary.ratioUp1VsBare}× bare; target < 15 s)`);
console.log(`perflab kafka up --brokers 3:      ${f(summary.perflabUp3BrokersToMetadata)}  (target < 30 s)`);
