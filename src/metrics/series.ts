/**
 * Per-second time series recorded in a role: counters (messages sent, acked, consumed, bytes …) added
 * to the bucket of the current second, and gauges (lag, RSS, heap, event-loop delay) set to their last
 * or maximum value in the second. Seconds count from a time origin shared by every role of a repetition
 * (the host-wide monotonic clock of `monoMs()`), so series from several processes line up.
 */
import { monoMs } from "./clock";

export class SeriesRecorder {
  private readonly counters = new Map<string, number[]>();
  private readonly gauges = new Map<string, number[]>();
  private originMs: number;

  constructor(originMs: number = monoMs()) {
    this.originMs = originMs;
  }

  setOrigin(originMs: number): void {
    this.originMs = originMs;
  }

  get origin(): number {
    return this.originMs;
  }

  /** Milliseconds from the origin to a `monoMs()` time; null stays null. */
  msFromOrigin(ms: number | null): number | null {
    return ms === null ? null : ms - this.originMs;
  }

  /** Second index of a `monoMs()` time relative to the origin; 0 for times before it. */
  second(ms: number = monoMs()): number {
    const d = ms - this.originMs;
    return d <= 0 ? 0 : Math.floor(d / 1000);
  }

  add(name: string, value = 1, ms?: number): void {
    const s = this.second(ms);
    let arr = this.counters.get(name);
    if (!arr) this.counters.set(name, (arr = []));
    while (arr.length <= s) arr.push(0);
    arr[s]! += value;
  }

  /** Set a gauge for the current second; with `max`, keep the largest value seen in the second. */
  gauge(name: string, value: number, mode: "last" | "max" = "last", ms?: number): void {
    const s = this.second(ms);
    let arr = this.gauges.get(name);
    if (!arr) this.gauges.set(name, (arr = []));
    while (arr.length <= s) arr.push(NaN);
    arr[s] = mode === "max" && !Number.isNaN(arr[s]!) ? Math.max(arr[s]!, value) : value;
  }

  toJSON(): SeriesData {
    const length = Math.max(0, ...[...this.counters.values(), ...this.gauges.values()].map((a) => a.length));
    const pad = (a: number[], fill: number) => [...a, ...Array(length - a.length).fill(fill)];
    return {
      seconds: length,
      counters: Object.fromEntries([...this.counters].map(([k, v]) => [k, pad(v, 0)])),
      gauges: Object.fromEntries([...this.gauges].map(([k, v]) => [k, pad(v, NaN).map((x) => (Number.isNaN(x) ? null : x))])),
    };
  }

  reset(originMs: number): void {
    this.counters.clear();
    this.gauges.clear();
    this.originMs = originMs;
  }
}

export interface SeriesData {
  seconds: number;
  counters: Record<string, number[]>;
  /** null where no value was set in that second. */
  gauges: Record<string, Array<number | null>>;
}

/**
 * Per-second series of running totals (messages, bytes) kept off the hot path: the caller passes its
 * totals *before* counting an event at time `ms`; only when `ms` crosses into a new second are the
 * deltas written into the series. Per event that is one comparison instead of a map lookup per counter.
 */
export class TotalsSeries {
  private boundary: number;
  private bucket = 0;
  private readonly last: number[];

  constructor(
    private readonly recorder: SeriesRecorder,
    private readonly names: string[],
  ) {
    this.last = names.map(() => 0);
    this.boundary = recorder.origin + 1000;
  }

  /** Call before counting an event at `ms`, with the totals so far. Cheap unless a second boundary passed. */
  maybeRoll(ms: number, totals: number[]): void {
    if (ms >= this.boundary) this.roll(ms, totals);
  }

  /** Write what was counted in the current bucket; `ms` starts the next bucket. */
  roll(ms: number, totals: number[]): void {
    for (let i = 0; i < this.names.length; i++) {
      const d = totals[i]! - this.last[i]!;
      if (d !== 0) this.recorder.add(this.names[i]!, d, this.recorder.origin + this.bucket * 1000);
      this.last[i] = totals[i]!;
    }
    this.bucket = this.recorder.second(ms);
    this.boundary = this.recorder.origin + (this.bucket + 1) * 1000;
  }

  /** A new origin (the recorder was reset): start counting from these totals. */
  restart(totals: number[]): void {
    for (let i = 0; i < totals.length; i++) this.last[i] = totals[i]!;
    this.bucket = 0;
    this.boundary = this.recorder.origin + 1000;
  }
}
