// Benchmark: load a run with 1M raw latency samples and 100k time-series rows into DataFrames and compute
// every summary (target < 2 s), against the floor of reading and JSON/CSV-parsing the same files.
// Each variant in a fresh process. Writes bench/results/analysis-load.json.   node bench/analysis-load.mjs [--reps 3]
// KEEP_BENCH_RUN=1 keeps the generated run directory (its path is printed) for profiling by hand.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const REPS = arg("--reps", 3);

if (process.argv[2] === "--child") {
  const [, , , mode, runDir] = process.argv;
  const lab = require(path.join(root, "dist", "index.js"));
  const t0 = performance.now();
  if (mode === "parse") {
    // Floor: read and parse the files, nothing else.
    JSON.parse(fs.readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    JSON.parse(fs.readFileSync(path.join(runDir, "repetitions.json"), "utf8"));
    fs.readFileSync(path.join(runDir, "timeseries.csv"), "utf8").split("\n").map((l) => l.split(","));
    for (const d of fs.readdirSync(path.join(runDir, "raw", "c1"))) for (const f of fs.readdirSync(path.join(runDir, "raw", "c1", d))) JSON.parse(fs.readFileSync(path.join(runDir, "raw", "c1", d, f), "utf8"));
  } else {
    const frames = lab.runFrames(runDir);
    // The samples are read once: the frame is built from the columns the statistics use.
    const samples = lab.latencySampleColumns(runDir);
    const samplesFrame = lab.latencySamplesFrame(samples);
    const values = Float64Array.from(samples.valueUs);
    const stats = lab.computeStatistics(values);
    const summary = lab.summarize(frames.run.repetitions);
    const byRole = frames.timeseries.groupby(["roleId"]).agg({ consumed: ["mean", "std"] });
    if (!(stats.n === 1_000_000 && summary.length > 0 && byRole.shape[0] > 0 && samplesFrame.shape[0] === 1_000_000)) throw new Error("bad result");
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n");
  process.exit(0);
}

/** A synthetic run directory: 10 repetitions, 1M raw e2e samples, 100k time-series rows. */
function makeRun(dir) {
  fs.mkdirSync(path.join(dir, "raw", "c1"), { recursive: true });
  const reps = 10;
  const manifest = { version: 1, runId: "bench", name: "bench", state: "completed", startedAt: new Date().toISOString(), configurations: [{ id: "c1", label: "bench", params: {} }], repetitions: [], profiles: [], collectorCost: [], warnings: [], spec: {}, kafka: {}, environment: {} };
  const rows = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let r = 1; r <= reps; r++) {
    rows.push({ configId: "c1", label: "bench", rep: r, kind: "measured", cold: r === 1, state: "completed", error: null, produced: 1e5, acked: 1e5, failed: 0, consumed: 1e5, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0, producerLoopMs: 900 + rnd() * 100, consumerLoopMs: 950 + rnd() * 100, runMs: 1000, produceThroughputMsgsPerSec: 1e5 + rnd() * 1e4, produceThroughputMBPerSec: 10, consumeThroughputMsgsPerSec: 1e5, sendLatencyP50Ms: 2, sendLatencyP99Ms: 9, e2eLatencyP50Ms: 3, e2eLatencyP99Ms: 11, groupJoinMs: 20, rebalances: 0, maxLagMsgs: 100, producerCpuMs: 500, consumerCpuMs: 400, maxRssMB: 90, processingErrors: 0 });
    fs.mkdirSync(path.join(dir, "raw", "c1", `rep-${r}`));
    const samples = Array.from({ length: 100_000 }, () => Math.round(500 + rnd() * rnd() * 20_000));
    fs.writeFileSync(path.join(dir, "raw", "c1", `rep-${r}`, "consumer-0.json"), JSON.stringify({ roleId: "consumer-0", consumers: [{ raw: { e2eLatencyUs: samples } }], producers: [] }));
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  fs.writeFileSync(path.join(dir, "repetitions.json"), JSON.stringify(rows));
  fs.writeFileSync(path.join(dir, "summary.json"), "[]");
  fs.writeFileSync(path.join(dir, "accounting.json"), "[]");
  const ts = ["configId,rep,roleId,kind,t,sent,acked,consumed,lag,rssMB,heapUsedMB"];
  for (let i = 0; i < 100_000; i++) ts.push(`c1,${1 + (i % reps)},${i % 2 ? "consumer-0" : "producer-0"},${i % 2 ? "consumer" : "producer"},${(i * 0.25).toFixed(2)},${Math.round(rnd() * 4000)},${Math.round(rnd() * 4000)},${Math.round(rnd() * 4000)},${Math.round(rnd() * 100)},${(80 + rnd() * 10).toFixed(1)},${(40 + rnd() * 10).toFixed(1)}`);
  fs.writeFileSync(path.join(dir, "timeseries.csv"), ts.join("\n") + "\n");
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-load-"));
process.stderr.write("writing a run with 1M samples and 100k time-series rows …\n");
makeRun(dir);
const run = (mode) => {
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--child", mode, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
};
const res = { parse: [], lab: [] };
for (let i = 0; i < REPS; i++) for (const m of i % 2 ? ["lab", "parse"] : ["parse", "lab"]) res[m].push(run(m));
if (!process.env.KEEP_BENCH_RUN) fs.rmSync(dir, { recursive: true, force: true }); else console.error("kept", dir);
const mean = (xs, k) => +(xs.reduce((a, b) => a + b[k], 0) / xs.length).toFixed(1);
const out = {
  benchmark: "analysis-load",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  run: { rawLatencySamples: 1_000_000, timeseriesRows: 100_000, repetitions: 10 },
  reps: REPS,
  parseOnly: { ms: mean(res.parse, "ms"), maxRssMB: mean(res.parse, "maxRssMB") },
  loadIntoDataFramesAndSummarize: { ms: mean(res.lab, "ms"), maxMs: +Math.max(...res.lab.map((x) => x.ms)).toFixed(1), maxRssMB: mean(res.lab, "maxRssMB") },
  target: { ms: 2000 },
};
out.ratioVsParse = +(out.loadIntoDataFramesAndSummarize.ms / out.parseOnly.ms).toFixed(2);
out.meetsTarget = out.loadIntoDataFramesAndSummarize.maxMs < 2000;
fs.writeFileSync(path.join(root, "bench", "results", "analysis-load.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`parse only: ${out.parseOnly.ms} ms · DataFrames + summaries: ${out.loadIntoDataFramesAndSummarize.ms} ms (${out.ratioVsParse}× parse; max ${out.loadIntoDataFramesAndSummarize.maxMs} ms; target < 2000 ms: ${out.meetsTarget ? "met" : "NOT met"}), peak RSS ${out.loadIntoDataFramesAndSummarize.maxRssMB} MB`);
