// Benchmark: summarizing a merged latency histogram (count, min, mean, std, p50 … p99.99, max) and its percentile
// curve, the way every repetition row, pooled summary and latency figure does: the lab's one walk over the counts
// (summarizeHistogram, percentileCurve) against hdr-histogram-js's own getters (one walk per percentile, three
// iterator walks for mean and std) on the same histogram, in interleaved rounds, answers checked equal.
// Writes bench/results/histogram-summary.json.   node bench/histogram-summary.mjs [--rounds 16]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import seedrandom from "seedrandom";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg("--rounds", 16);
const PER_ROUND = 20; // summaries (and curves) timed per variant per round
const lab = require(path.join(root, "dist", "index.js"));
const h = require(path.join(root, "dist", "metrics", "histogram.js"));

// Four roles' end-to-end latencies (log-normal around 2 ms, a tail to seconds), merged as a run merges them.
const rnd = seedrandom("histogram-summary");
const encoded = [0, 1, 2, 3].map(() => {
  const r = h.createHistogram({ wasm: false });
  for (let i = 0; i < 50_000; i++) h.recordUs(r, Math.exp(7.6 + 1.2 * Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd())));
  return h.encodeHistogram(r);
});
const merged = h.mergeHistograms(encoded);

/** What summarizeHistogram and percentileCurve computed before the one walk: the library's getters. */
function libraryGetters(x) {
  const at = (p) => Math.min(x.getValueAtPercentile(p), x.maxValue);
  const summary = { count: x.totalCount, min: Math.min(x.minNonZeroValue, x.getValueAtPercentile(0)), mean: x.mean, stddev: x.stdDeviation, p50: at(50), p90: at(90), p95: at(95), p99: at(99), p999: at(99.9), p9999: at(99.99), max: x.maxValue };
  const limit = Math.min(5, Math.max(1, Math.floor(Math.log10(x.totalCount))));
  const curve = [];
  for (let k = 0; k <= limit * 10; k++) curve.push(at(100 * (1 - Math.pow(10, -k / 10))));
  return { summary, curve };
}
const oneWalk = (x) => ({ summary: h.summarizeHistogram(x), curve: h.percentileCurve(x).slice(0, -1).map((p) => p.value) });

const a = libraryGetters(merged);
const b = oneWalk(merged);
if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`different answers:\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);

const time = (f) => {
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) f(merged);
  return (performance.now() - t0) / PER_ROUND;
};
time(libraryGetters);
time(oneWalk); // warm-up round, not kept
const library = [];
const walk = [];
const ratio = [];
for (let r = 0; r < ROUNDS; r++) {
  // the order alternates so neither variant always runs second
  let libMs, y;
  if (r % 2 === 0) {
    libMs = time(libraryGetters);
    y = time(oneWalk);
  } else {
    y = time(oneWalk);
    libMs = time(libraryGetters);
  }
  library.push(libMs);
  walk.push(y);
  ratio.push(y / libMs);
  process.stdout.write(`round ${r + 1}/${ROUNDS}: library getters ${libMs.toFixed(2)} ms, one walk ${y.toFixed(2)} ms\n`);
}

const S = { library: lab.computeStatistics(library), oneWalk: lab.computeStatistics(walk), ratio: lab.computeStatistics(ratio) };
const result = {
  benchmark: "histogram-summary",
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  setup: { values: 200_000, histograms: 4, rounds: ROUNDS, summariesPerRound: PER_ROUND, countsArrayLength: merged.countsArrayLength },
  msPerSummaryAndCurve: { libraryGetters: S.library, oneWalk: S.oneWalk },
  ratioOneWalkToLibrary: S.ratio,
};
fs.writeFileSync(path.join(root, "bench", "results", "histogram-summary.json"), JSON.stringify(result, null, 2) + "\n");
const ms = (s) => `${s.mean.toFixed(2)} ms ± ${s.std.toFixed(2)}`;
console.log(`summary + percentile curve of a merged histogram (200,000 values): library getters ${ms(S.library)}, one walk ${ms(S.oneWalk)}; one walk / library ${S.ratio.mean.toFixed(3)} (95% CI ${S.ratio.ci95Low.toFixed(3)} … ${S.ratio.ci95High.toFixed(3)})`);
