/**
 * A latency recorder for hot paths: HdrHistogram's bucketing (3 significant digits, 1 µs … 1 h) kept as a
 * plain counts array in JavaScript, turned into a real HdrHistogram when a snapshot is taken. Recording is
 * an index computation and an increment (a few ns) instead of a call into HdrHistogram's WebAssembly build
 * (≈20 ns) per message — written by hand because hdr-histogram-js offers no cheaper recording path, and
 * every message the lab measures pays it. The bucketing is HdrHistogram's own, so the histogram a
 * snapshot builds is the one recording each value would have built (test/metrics/recorder.test.ts).
 */
import { createHistogram, type Histogram } from "./histogram";

const HALF_MAGNITUDE = 10; // subBucketHalfCountMagnitude for 3 significant digits
const HALF_COUNT = 1 << HALF_MAGNITUDE; // 1024
const SUB_MASK = 2 * HALF_COUNT - 1; // 2047
const HIGHEST_US = 3_600_000_000; // one hour in µs, as createHistogram
/** 32-bit form of HdrHistogram's leadingZeroCountBase (64 − unitMagnitude − subBucketHalfCountMagnitude − 1, minus 32). */
const ZERO_BASE = 32 - HALF_MAGNITUDE - 1;
const LENGTH = (Math.ceil(Math.log2(HIGHEST_US / (2 * HALF_COUNT))) + 2) * HALF_COUNT;

/** The counts-array index HdrHistogram gives an integer value in [0, 2^32). */
export function bucketIndex(v: number): number {
  const bucket = ZERO_BASE - Math.clz32(v | SUB_MASK);
  return ((bucket + 1) << HALF_MAGNITUDE) + ((v >>> bucket) - HALF_COUNT);
}

/** The lowest value of a counts-array index (HdrHistogram's valueFromIndex). */
export function bucketValue(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

export class LatencyRecorder {
  private counts = new Float64Array(LENGTH);
  count = 0;
  /** Exact extremes of what was recorded (µs, rounded). */
  min = Infinity;
  max = -Infinity;

  /** Record a value in µs (clamped to 0 … 1 h, rounded to the µs, as recordUs). */
  record(us: number): void {
    const v = us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : Math.round(us);
    this.counts[bucketIndex(v)]!++;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The recorded values as an HdrHistogram (JS build: it is merged and encoded, never recorded into). */
  toHistogram(): Histogram {
    const h = createHistogram({ wasm: false });
    const c = this.counts;
    for (let i = 0; i < c.length; i++) if (c[i]! > 0) h.recordValueWithCount(bucketValue(i), c[i]!);
    return h;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
