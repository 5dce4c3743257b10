// hdr-histogram-js's modules, not its index: the index also loads its log writer, which builds an Intl.NumberFormat
// as it loads (13 ms of CPU in every role process, measured with --cpu-prof). Its dist/ files are its layout in 3.0.x
// (the version package-lock.json pins); test/metrics/histogram.test.ts runs every function here against it.
import type HdrHistogram from "hdr-histogram-js/dist/Histogram";
import { build } from "hdr-histogram-js/dist/HistogramBuilder";
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from "hdr-histogram-js/dist/encoding";
import { initWebAssemblySync } from "hdr-histogram-js/dist/wasm";

/**
 * Latency histograms (HdrHistogram, 3 significant digits, 1 µs … 1 h). Roles record into them and ship
 * them encoded; the parent merges them before taking percentiles — percentiles are never averaged.
 * Recording uses HdrHistogram's WebAssembly build when `initHistograms()` has run (≈20 ns per value
 * against ≈120 ns for the JS build, measured in bench/recording.mjs).
 */
export type Histogram = HdrHistogram;

const HIGHEST_US = 3_600_000_000; // one hour in µs
let wasmReady = false;

/**
 * Load the WebAssembly build once per process. Safe to call again; falls back to JS if it cannot load.
 * Synchronously: the asynchronous loader asks whether its input is a fetch `Response`, and reading that global
 * makes Node load its fetch implementation (undici: 30 ms of CPU in every role process, measured with --cpu-prof).
 * The module is small (it compiles in ~1 ms). Async for the callers written against the loader's promise.
 */
export async function initHistograms(): Promise<boolean> {
  if (wasmReady) return true;
  try {
    initWebAssemblySync();
    wasmReady = true;
  } catch (err) {
    process.emitWarning(`kafka-perf-lab: HdrHistogram WebAssembly unavailable, using the JS build (${(err as Error).message})`);
  }
  return wasmReady;
}

export function createHistogram(opts: { wasm?: boolean } = {}): Histogram {
  return build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: (opts.wasm ?? true) && wasmReady,
  });
}

/** Record a value (µs), clamped to the histogram's range so an outlier never throws inside a hot path. */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : Math.round(us));
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Decode (JS build: merging and reading happen outside hot paths). Throws on corrupt input. */
export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded, 64, false);
}

/** Merge encoded histograms into one (JS build). Empty input gives an empty histogram. */
export function mergeHistograms(encoded: Iterable<string | null | undefined>): Histogram {
  const total = createHistogram({ wasm: false });
  for (const e of encoded) {
    if (!e) continue;
    const h = decodeHistogram(e);
    total.add(h);
  }
  return total;
}

export interface HistogramSummary {
  count: number;
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

/** Summary of a histogram in its own unit (µs for the lab's latencies); all NaN but count when empty. */
export function summarizeHistogram(h: Histogram): HistogramSummary {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, min: NaN, mean: NaN, stddev: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN, p9999: NaN, max: NaN };
  }
  const buckets = bucketsOf(h);
  const [p0, p50, p90, p95, p99, p999, p9999] = percentilesOf(h, buckets, [0, 50, 90, 95, 99, 99.9, 99.99]) as number[] & { length: 7 };
  const { mean, stddev } = meanAndStd(h, buckets);
  // HdrHistogram reports a bucket's highest equivalent value: never let a percentile exceed the true max.
  const max = h.maxValue;
  const cap = (v: number) => Math.min(v, max);
  return {
    count,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : Math.min(h.minNonZeroValue, p0),
    mean,
    stddev,
    p50: cap(p50),
    p90: cap(p90),
    p95: cap(p95),
    p99: cap(p99),
    p999: cap(p999),
    p9999: cap(p9999),
    max,
  };
}

/**
 * The parts of hdr-histogram-js's JS histogram (its public `JsHistogram` class; `Histogram`, the interface the
 * package exports, leaves them out) that one walk over the counts needs. The WebAssembly build has none of them.
 */
interface CountsView {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  lowestEquivalentValue(value: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}

/** A JS histogram's non-empty buckets, in order, from one walk over its counts (null for the WebAssembly build). */
interface Buckets {
  view: CountsView;
  index: number[];
  count: number[];
}

/**
 * Why the lab walks the counts itself: the library walks the whole counts array (~22,500 entries for 1 µs … 1 h)
 * once per percentile and three more times for mean and std, and a run's summaries and percentile curves ask for
 * dozens — 2.7 of notebook 06's kernel's 9.8 CPU-s were there. One walk collects the non-empty buckets; the
 * answers below are computed from them with the library's own value maths, so they are its answers.
 */
function bucketsOf(h: Histogram): Buckets | null {
  if (typeof (h as unknown as Partial<CountsView>).getCountAtIndex !== "function") return null;
  const view = h as unknown as CountsView;
  const b: Buckets = { view, index: [], count: [] };
  for (let i = 0; i < view.countsArrayLength; i++) {
    const c = view.getCountAtIndex(i);
    if (c === 0) continue;
    b.index.push(i);
    b.count.push(c);
  }
  return b;
}

/** hdr-histogram-js's ulp (dist/ulp.js, not exported): the spacing of doubles at x. */
const ulp = (x: number) => Math.pow(2, Math.floor(Math.log2(x)) - 52);

/** `h.getValueAtPercentile(p)` for several p, with the same answers, in any order. */
export function valuesAtPercentiles(h: Histogram, percentiles: readonly number[]): number[] {
  return percentilesOf(h, bucketsOf(h), percentiles);
}

/**
 * The library's rule: the count at p is ⌈p/100 · total − ulp⌉ (at least 1); the first bucket whose cumulative
 * count reaches it gives its highest equivalent value (its lowest for p = 0).
 */
function percentilesOf(h: Histogram, b: Buckets | null, percentiles: readonly number[]): number[] {
  if (!b || h.totalCount === 0) return percentiles.map((p) => h.getValueAtPercentile(p));
  const order = percentiles
    .map((p, at) => {
      const fp = (Math.min(p, 100) / 100) * h.totalCount;
      return { p, at, count: Math.max(Math.ceil(fp - ulp(fp)), 1) };
    })
    .sort((x, y) => x.count - y.count);
  const out = new Array<number>(percentiles.length).fill(0);
  let next = 0;
  let cumulative = 0;
  for (let k = 0; k < b.index.length && next < order.length; k++) {
    cumulative += b.count[k]!;
    const value = b.view.valueFromIndex(b.index[k]!);
    for (; next < order.length && cumulative >= order[next]!.count; next++) {
      out[order[next]!.at] = order[next]!.p === 0 ? b.view.lowestEquivalentValue(value) : b.view.highestEquivalentValue(value);
    }
  }
  return out;
}

/** The library's `mean` and `stdDeviation`: each bucket at its median equivalent value, summed in the same order. */
function meanAndStd(h: Histogram, b: Buckets | null): { mean: number; stddev: number } {
  if (!b) return { mean: h.mean, stddev: h.stdDeviation };
  const medians = b.index.map((i) => b.view.medianEquivalentValue(b.view.highestEquivalentValue(b.view.valueFromIndex(i))));
  let totalValue = 0;
  for (let k = 0; k < medians.length; k++) totalValue += medians[k]! * b.count[k]!;
  const mean = totalValue / h.totalCount;
  let deviations = 0;
  for (let k = 0; k < medians.length; k++) deviations += (medians[k]! - mean) * (medians[k]! - mean) * b.count[k]!;
  return { mean, stddev: Math.sqrt(deviations / h.totalCount) };
}

/**
 * Percentile curve for a "nines" plot: (percentile, value) at 0, 50, 90, 99, 99.9 … up to what the count
 * supports, with points in between. x is also given as -log10(1 - p/100) for a log axis.
 */
export function percentileCurve(h: Histogram, maxNines = 5): Array<{ percentile: number; nines: number; value: number }> {
  if (h.totalCount === 0) return [];
  const limit = Math.min(maxNines, Math.max(1, Math.floor(Math.log10(h.totalCount))));
  const nines = Array.from({ length: limit * 10 + 1 }, (_, k) => k / 10);
  const percentiles = nines.map((n) => 100 * (1 - Math.pow(10, -n)));
  const values = valuesAtPercentiles(h, percentiles);
  const pts = nines.map((n, k) => ({ percentile: percentiles[k]!, nines: n, value: Math.min(values[k]!, h.maxValue) }));
  pts.push({ percentile: 100, nines: limit + 0.5, value: h.maxValue });
  return pts;
}

/** Free a WebAssembly histogram's memory (no-op for the JS build). */
export function destroyHistogram(h: Histogram): void {
  h.destroy();
}

/** The cumulative distribution HdrHistogram reports (value, percentile, cumulative count), for CDFs and bins. */
export function histogramDistribution(h: Histogram, ticksPerHalfDistance = 5): Array<{ value: number; percentile: number; cumulative: number }> {
  if (h.totalCount === 0) return [];
  const csv = (h.outputPercentileDistribution as unknown as (t: number, s: number, csv: boolean) => string)(ticksPerHalfDistance, 1, true);
  const out: Array<{ value: number; percentile: number; cumulative: number }> = [];
  for (const line of csv.split("\n").slice(1)) {
    const [v, p, c] = line.split(",");
    if (v === undefined || p === undefined || c === undefined || !/^[\d.]+$/.test(v)) continue;
    out.push({ value: Math.min(Number(v), h.maxValue), percentile: Number(p) * 100, cumulative: Number(c) });
  }
  return out;
}
