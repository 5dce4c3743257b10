import * as hdr from "hdr-histogram-js";

/**
 * Latency histograms (HdrHistogram, 3 significant digits, 1 µs … 1 h). Roles record into them and ship
 * them encoded; the parent merges them before taking percentiles — percentiles are never averaged.
 * Recording uses HdrHistogram's WebAssembly build when `initHistograms()` has run (≈20 ns per value
 * against ≈120 ns for the JS build, measured in bench/recording.mjs).
 */
export type Histogram = hdr.Histogram;

const HIGHEST_US = 3_600_000_000; // one hour in µs
let wasmReady = false;

/** Load the WebAssembly build once per process. Safe to call again; falls back to JS if it cannot load. */
export async function initHistograms(): Promise<boolean> {
  if (wasmReady) return true;
  try {
    await hdr.initWebAssembly();
    wasmReady = true;
  } catch (err) {
    process.emitWarning(`kafka-perf-lab: HdrHistogram WebAssembly unavailable, using the JS build (${(err as Error).message})`);
  }
  return wasmReady;
}

export function createHistogram(opts: { wasm?: boolean } = {}): Histogram {
  return hdr.build({
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
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decode (JS build: merging and reading happen outside hot paths). Throws on corrupt input. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
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
  // HdrHistogram reports a bucket's highest equivalent value: never let a percentile exceed the true max.
  const at = (p: number) => Math.min(h.getValueAtPercentile(p), h.maxValue);
  return {
    count,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : Math.min(h.minNonZeroValue, h.getValueAtPercentile(0)),
    mean: h.mean,
    stddev: h.stdDeviation,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    p9999: at(99.99),
    max: h.maxValue,
  };
}

/**
 * Percentile curve for a "nines" plot: (percentile, value) at 0, 50, 90, 99, 99.9 … up to what the count
 * supports, with points in between. x is also given as -log10(1 - p/100) for a log axis.
 */
export function percentileCurve(h: Histogram, maxNines = 5): Array<{ percentile: number; nines: number; value: number }> {
  if (h.totalCount === 0) return [];
  const pts: Array<{ percentile: number; nines: number; value: number }> = [];
  const limit = Math.min(maxNines, Math.max(1, Math.floor(Math.log10(h.totalCount))));
  for (let k = 0; k <= limit * 10; k++) {
    const n = k / 10;
    const p = 100 * (1 - Math.pow(10, -n));
    pts.push({ percentile: p, nines: n, value: Math.min(h.getValueAtPercentile(p), h.maxValue) });
  }
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
