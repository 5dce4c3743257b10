/**
 * Per-second time series recorded in a role: counters (messages sent, acked, consumed, bytes …) added
 * to the bucket of the current second, and gauges (lag, RSS, heap, event-loop delay) set to their last
 * or maximum value in the second. Seconds count from a time origin shared by every role of a repetition
 * (process.hrtime, which is system-wide), so series from several processes line up.
 */
export class SeriesRecorder {
  private readonly counters = new Map<string, number[]>();
  private readonly gauges = new Map<string, number[]>();
  private originNs: bigint;

  constructor(originNs: bigint = process.hrtime.bigint()) {
    this.originNs = originNs;
  }

  setOrigin(originNs: bigint): void {
    this.originNs = originNs;
  }

  get origin(): bigint {
    return this.originNs;
  }

  /** Milliseconds from the origin to an hrtime (ns); null stays null. */
  msFromOrigin(hrNs: bigint | null): number | null {
    return hrNs === null ? null : Number(hrNs - this.originNs) / 1e6;
  }

  /** Second index of an hrtime (ns) relative to the origin; 0 for times before it. */
  second(hrNs: bigint = process.hrtime.bigint()): number {
    const d = hrNs - this.originNs;
    return d <= 0n ? 0 : Number(d / 1_000_000_000n);
  }

  add(name: string, value = 1, hrNs?: bigint): void {
    const s = this.second(hrNs);
    let arr = this.counters.get(name);
    if (!arr) this.counters.set(name, (arr = []));
    while (arr.length <= s) arr.push(0);
    arr[s]! += value;
  }

  /** Set a gauge for the current second; with `max`, keep the largest value seen in the second. */
  gauge(name: string, value: number, mode: "last" | "max" = "last", hrNs?: bigint): void {
    const s = this.second(hrNs);
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

  reset(originNs: bigint): void {
    this.counters.clear();
    this.gauges.clear();
    this.originNs = originNs;
  }
}

export interface SeriesData {
  seconds: number;
  counters: Record<string, number[]>;
  /** null where no value was set in that second. */
  gauges: Record<string, Array<number | null>>;
}
