/**
 * Time series recorded in a role, in buckets of `intervalMs` (250 ms by default: short runs still get a
 * curve): counters (messages sent, acked, consumed, bytes …) added to the bucket of the current time, and
 * gauges (lag, RSS, heap, event-loop delay) set to their last or maximum value in the bucket. Buckets count
 * from a time origin shared by every role of a repetition (the host-wide monotonic clock of `monoMs()`),
 * so series from several processes line up.
 */
import { monoMs } from "./clock";

export const DEFAULT_INTERVAL_MS = 250;

export class SeriesRecorder {
  private readonly counters = new Map<string, number[]>();
  private readonly gauges = new Map<string, number[]>();
  private originMs: number;

  constructor(
    originMs: number = monoMs(),
    readonly intervalMs: number = DEFAULT_INTERVAL_MS,
  ) {
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

  /** Bucket index of a `monoMs()` time relative to the origin; 0 for times before it. */
  bucket(ms: number = monoMs()): number {
    const d = ms - this.originMs;
    return d <= 0 ? 0 : Math.floor(d / this.intervalMs);
  }

  add(name: string, value = 1, ms?: number): void {
    const b = this.bucket(ms);
    let arr = this.counters.get(name);
    if (!arr) this.counters.set(name, (arr = []));
    while (arr.length <= b) arr.push(0);
    arr[b]! += value;
  }

  /** Set a gauge for the current bucket; with `max`, keep the largest value seen in the bucket. */
  gauge(name: string, value: number, mode: "last" | "max" = "last", ms?: number): void {
    const b = this.bucket(ms);
    let arr = this.gauges.get(name);
    if (!arr) this.gauges.set(name, (arr = []));
    while (arr.length <= b) arr.push(NaN);
    arr[b] = mode === "max" && !Number.isNaN(arr[b]!) ? Math.max(arr[b]!, value) : value;
  }

  toJSON(): SeriesData {
    const length = Math.max(0, ...[...this.counters.values(), ...this.gauges.values()].map((a) => a.length));
    const pad = (a: number[], fill: number) => [...a, ...Array(length - a.length).fill(fill)];
    return {
      intervalMs: this.intervalMs,
      buckets: length,
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
  intervalMs: number;
  buckets: number;
  /** Counts per bucket. */
  counters: Record<string, number[]>;
  /** null where no value was set in that bucket. */
  gauges: Record<string, Array<number | null>>;
}

/**
 * Series of running totals (messages, bytes) kept off the hot path: the caller passes its totals *before*
 * counting an event at time `ms`; only when `ms` crosses into a new bucket are the deltas written. Per
 * event that is one comparison instead of a map lookup per counter.
 */
export class TotalsSeries {
  private boundary: number;
  private current = 0;
  private readonly last: number[];

  constructor(
    private readonly recorder: SeriesRecorder,
    private readonly names: string[],
    /** Called once per bucket boundary crossed (with the time that crossed it): gauges sampled at that pace. */
    private readonly onRoll: ((ms: number) => void) | null = null,
  ) {
    this.last = names.map(() => 0);
    this.boundary = recorder.origin + recorder.intervalMs;
  }

  /**
   * Before counting an event at `ms`: true once a bucket boundary has passed, and then the caller calls
   * `roll` with its totals so far (hot paths build that array only then).
   */
  due(ms: number): boolean {
    return ms >= this.boundary;
  }

  /** Write what was counted in the current bucket; `ms` starts the next bucket. */
  roll(ms: number, totals: number[]): void {
    const r = this.recorder;
    for (let i = 0; i < this.names.length; i++) {
      const d = totals[i]! - this.last[i]!;
      if (d !== 0) r.add(this.names[i]!, d, r.origin + this.current * r.intervalMs);
      this.last[i] = totals[i]!;
    }
    this.current = r.bucket(ms);
    this.boundary = r.origin + (this.current + 1) * r.intervalMs;
    this.onRoll?.(ms);
  }

  /** A new origin (the recorder was reset): start counting from these totals. */
  restart(totals: number[]): void {
    for (let i = 0; i < totals.length; i++) this.last[i] = totals[i]!;
    this.current = 0;
    this.boundary = this.recorder.origin + this.recorder.intervalMs;
  }
}
