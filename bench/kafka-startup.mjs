// Benchmark: how long `perflab kafka up` takes to a cluster whose metadata shows every broker, and the CPU
// time it costs, for 1 and 3 brokers, with the class-data archives (the default once built) and without
// (PERFLAB_CLASS_ARCHIVES=off), in interleaved rounds; beside a baseline measured in the same run: one bare
// broker JVM (already formatted, started by hand) until its log says "Kafka Server started".
// Writes bench/results/kafka-startup.json.
//   node bench/kafka-startup.mjs [--reps N]
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { kafkaStartupTable } from "./tables.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// The public API, plus the embedded cluster's internals this benchmark drives (ports, properties, jars, archives).
const lab = { ...require(path.join(root, "dist", "index.js")), ...require(path.join(root, "dist", "kafka", "index.js")) };
const reps = Number(process.argv[process.argv.indexOf("--reps") + 1] || 3);
const bin = path.join(root, "bin", "perflab.js");

// The CLI under bash, so `times` reports the CPU time of perflab and the children it waited for (the
// storage formatter JVMs); the brokers are detached, so their CPU time is read from /proc at "ready".
function cli(args, env) {
  const t0 = performance.now();
  const quoted = args.map((a) => `'${a}'`).join(" ");
  const r = spawnSync("bash", ["-c", `'${process.execPath}' '${bin}' ${quoted} >/dev/null && times`], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) throw new Error(`perflab ${args.join(" ")} failed: ${r.stderr}`);
  const ms = performance.now() - t0;
  const [user, sys] = r.stdout.trim().split("\n").at(-1).split(/\s+/).map((t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return { ms, cpuS: user + sys };
}

const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
function procCpuS(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime (fields 14, 15)
}

// `perflab kafka up` to a cluster whose metadata shows every broker: wall time, and CPU time of the CLI, the
// formatters and the brokers. `archives: false` runs it with PERFLAB_CLASS_ARCHIVES=off.
async function labUp(brokers, archives) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-"));
  const base = await lab.findFreeBase(brokers);
  const env = { PERFLAB_STATE_DIR: dir, ...(archives ? {} : { PERFLAB_CLASS_ARCHIVES: "off" }) };
  try {
    const up = cli(["kafka", "up", "--brokers", String(brokers), "--port", String(base)], env);
    const state = JSON.parse(fs.readFileSync(path.join(dir, "cluster", "state.json"), "utf8"));
    const mapped = state.brokers.every((b) => fs.readFileSync(`/proc/${b.pid}/maps`, "utf8").includes(lab.classArchivesDir()));
    if (mapped !== archives) throw new Error(`brokers ${archives ? "do not map" : "map"} a class-data archive (PERFLAB_CLASS_ARCHIVES=${env.PERFLAB_CLASS_ARCHIVES ?? "on"})`);
    return { ms: up.ms, cpuS: up.cpuS + state.brokers.reduce((a, b) => a + procCpuS(b.pid), 0) };
  } finally {
    cli(["kafka", "down"], env);
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

const stats = (xs) => lab.computeStatistics(xs);
const round3 = (o) => JSON.parse(JSON.stringify(o, (_, v) => (typeof v === "number" ? +v.toPrecision(4) : v)));

process.stderr.write("building the class-data archives if missing …\n");
await lab.ensureClassArchives();
const variants = ["up1", "up1NoArchive", "up3", "up3NoArchive"];
const runs = { bare: [], ...Object.fromEntries(variants.map((v) => [v, []])) };
// Interleaved rounds, so drift on a noisy machine hits every variant alike; ratios are taken within a round.
for (let i = 0; i < reps; i++) {
  process.stderr.write(`round ${i + 1}/${reps} …\n`);
  runs.bare.push(await bareBroker());
  for (const v of variants) runs[v].push(await labUp(v.startsWith("up3") ? 3 : 1, !v.endsWith("NoArchive")));
}
const ratio = (v, key) => stats(runs[v].map((r, i) => r[key] / runs[`${v}NoArchive`][i][key]));
const summary = round3({
  benchmark: "kafka-startup",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, java: spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0] },
  kafkaVersion: lab.kafkaVersion(),
  reps,
  bareBrokerToStartedLogMs: stats(runs.bare),
  wallMs: Object.fromEntries(variants.map((v) => [v, stats(runs[v].map((r) => r.ms))])),
  cpuSeconds: Object.fromEntries(variants.map((v) => [v, stats(runs[v].map((r) => r.cpuS))])),
  ratioWithOverWithoutArchives: {
    up1Wall: ratio("up1", "ms"),
    up1Cpu: ratio("up1", "cpuS"),
    up3Wall: ratio("up3", "ms"),
    up3Cpu: ratio("up3", "cpuS"),
  },
  targets: { up1BrokerMs: 15_000, up3BrokersMs: 30_000 },
});
summary.meetsTargets = Math.max(...runs.up1.map((r) => r.ms)) < 15_000 && Math.max(...runs.up3.map((r) => r.ms)) < 30_000;
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "kafka-startup.json"), JSON.stringify(summary, null, 2) + "\n");
console.log(kafkaStartupTable(summary));
