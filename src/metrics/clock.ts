/**
 * The lab's clock for per-message timing: milliseconds (a double, µs precision and better) on
 * process.hrtime's CLOCK_MONOTONIC — the same clock in every process of a host, so a send time written by
 * one role and a receive time read in another subtract to an exact end-to-end latency. performance.now()
 * is that clock shifted by the process's start, so the shift is measured once and the hot path does
 * plain double arithmetic: no BigInt, no allocation (measured in bench/instrumentation.mjs).
 */
const OFFSET_MS = measureOffsetMs();

/**
 * CLOCK_MONOTONIC − performance.now(), ms. Not one read of each: the first use of `performance` loads its module,
 * so `hrtime − performance.now()` in one expression came out 0.8–1.7 ms short in a fresh process, and up to 4.9 ms
 * beside CPU hogs — a different error in each role process, so an end-to-end latency (a send time from one
 * process, a receive time from another) was off by their difference, and short latencies fell to 0. Here hrtime is
 * read between two performance.now() reads, and the closest of several brackets wins: error ≤ half its width (~µs).
 */
function measureOffsetMs(): number {
  let width = Infinity;
  let offset = 0;
  for (let i = 0; i < 25; i++) {
    const before = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < width) {
      width = after - before;
      offset = mono - (before + after) / 2;
    }
  }
  return offset;
}

/** Now on the host-wide monotonic clock, ms. */
export function monoMs(): number {
  return performance.now() + OFFSET_MS;
}
