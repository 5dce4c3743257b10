// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { createHistogram, encodeHistogram, initHistograms, mergeHistograms, percentileCurve, recordUs, summarizeHistogram, valuesAtPercentiles } from "../../src/metrics/histogram";
import seedrandom from "seedrandom";
import { quantileSorted } from "../../src/results/stats";

test("histograms recorded in several processes merge to the histogram of all values (3 significant digits)", () => {
  const all: number[] = [];
  const encoded: string[] = [];
  for (let p = 0; p < 4; p++) {
    const h = createHistogram({ wasm: false });
    for (let i = 0; i < 10_000; i++) {
      const v = Math.round(100 + p * 1000 + ((i * 7919) % 5000));
      recordUs(h, v);
      all.push(v);
    }
    encoded.push(encodeHistogram(h));
  }
  const merged = summarizeHistogram(mergeHistograms(encoded));
  all.sort((a, b) => a - b);
  assert.equal(merged.count, 40_000);
  for (const [q, got] of [[0.5, merged.p50], [0.99, merged.p99], [0.999, merged.p999]] as const) {
    const exact = quantileSorted(all, q);
    assert.ok(Math.abs(got - exact) / exact < 0.002, `p${q * 100}: ${got} vs exact ${exact}`);
  }
});

test("merged percentiles are not the average of per-process percentiles", () => {
  const fast = createHistogram({ wasm: false });
  const slow = createHistogram({ wasm: false });
  for (let i = 0; i < 990; i++) recordUs(fast, 100);
  for (let i = 0; i < 10; i++) recordUs(slow, 100_000);
  const merged = summarizeHistogram(mergeHistograms([encodeHistogram(fast), encodeHistogram(slow)]));
  const averaged = (summarizeHistogram(fast).p99 + summarizeHistogram(slow).p99) / 2;
  assert.ok(merged.p99 < 200, `1% of 1000 samples are slow: p99 is still fast (${merged.p99})`);
  assert.ok(merged.p999 > 90_000, "p99.9 sees the slow ones");
  assert.ok(Math.abs(averaged - merged.p99) > 40_000, "averaging percentiles would have been badly wrong");
});

test("out-of-range values are clamped instead of throwing; empty histograms summarize to NaN", () => {
  const h = createHistogram({ wasm: false });
  recordUs(h, -5);
  recordUs(h, 1e13);
  assert.equal(h.totalCount, 2);
  const empty = summarizeHistogram(createHistogram({ wasm: false }));
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.p50));
});

test("the percentile curve for a nines plot rises monotonically and ends at the max", () => {
  const h = createHistogram({ wasm: false });
  for (let i = 1; i <= 100_000; i++) recordUs(h, i);
  const curve = percentileCurve(h);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i]!.value >= curve[i - 1]!.value);
  assert.equal(curve.at(-1)!.value, h.maxValue);
  assert.ok(curve.some((p) => Math.abs(p.percentile - 99.9) < 1e-9));
});

test("the one-walk summary gives the library's own answers, to the last bit: percentiles, min, mean and std of merged histograms", () => {
  const rnd = seedrandom("hdr");
  const percentiles = [0, 0.001, 1, 25, 50, 66.6, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];
  for (const n of [1, 2, 7, 100, 10_000, 200_000]) {
    const parts = [0, 1].map((k) => {
      const h = createHistogram({ wasm: false });
      // log-normal-ish latencies from 1 µs to minutes, or only slow ones (buckets µs wide: lowest ≠ highest)
      for (let i = 0; i < n; i++) recordUs(h, Math.exp(rnd() * 18) + (n % 2 ? 0 : 3_000_000 * k));
      return encodeHistogram(h);
    });
    const h = mergeHistograms(n % 2 ? parts : parts.slice(1));
    const s = summarizeHistogram(h);
    assert.equal(s.count, n % 2 ? 2 * n : n);
    assert.equal(s.mean, h.mean, `mean, n=${n}`);
    assert.equal(s.stddev, h.stdDeviation, `std, n=${n}`);
    assert.equal(s.min, Math.min(h.minNonZeroValue, h.getValueAtPercentile(0)), `min, n=${n}`);
    assert.equal(s.max, h.maxValue);
    assert.deepEqual([s.p50, s.p90, s.p95, s.p99, s.p999, s.p9999], [50, 90, 95, 99, 99.9, 99.99].map((p) => Math.min(h.getValueAtPercentile(p), h.maxValue)), `n=${n}`);
    // asked in any order, each percentile is the library's
    const shuffled = [...percentiles].sort(() => rnd() - 0.5);
    assert.deepEqual(valuesAtPercentiles(h, shuffled), shuffled.map((p) => h.getValueAtPercentile(p)), `n=${n}`);
  }
});

test("the WebAssembly build loads and records what the JS build records; loading it does not load Node's fetch (undici)", async () => {
  assert.equal(await initHistograms(), true);
  const wasm = createHistogram();
  const js = createHistogram({ wasm: false });
  assert.notEqual(wasm.constructor, js.constructor, "one histogram of each build");
  const rnd = seedrandom("wasm");
  for (let i = 0; i < 5000; i++) {
    const us = Math.exp(rnd() * 14);
    for (const h of [wasm, js]) recordUs(h, us);
  }
  assert.deepEqual(summarizeHistogram(mergeHistograms([encodeHistogram(wasm)])), summarizeHistogram(mergeHistograms([encodeHistogram(js)])));
  wasm.destroy();
  // In a process of its own (this one may have loaded undici for other reasons): 30 ms of CPU per role process.
  const module = path.resolve(__dirname, "../../src/metrics/histogram.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", `require(${JSON.stringify(module)}).initHistograms().then((ok) => console.log(JSON.stringify({ ok, undici: process.moduleLoadList.filter((m) => m.includes("undici")) })))`], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { ok: true, undici: [] });
});
