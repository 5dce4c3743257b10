/**
 * The lab's clock for per-message timing: milliseconds (a double, µs precision and better) on
 * process.hrtime's CLOCK_MONOTONIC — the same clock in every process of a host, so a send time written by
 * one role and a receive time read in another subtract to an exact end-to-end latency. performance.now()
 * is that clock shifted by the process's start, so the shift is measured once and the hot path does
 * plain double arithmetic: no BigInt, no allocation (measured in bench/instrumentation.mjs).
 */
const OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Now on the host-wide monotonic clock, ms. */
export function monoMs(): number {
  return performance.now() + OFFSET_MS;
}
