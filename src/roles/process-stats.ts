import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { SeriesRecorder } from "../metrics/series";
import { MiB } from "../util/format";
import type { ProcessStats } from "../results/role-result";

/**
 * Process-level gauges of a role, sampled once per series bucket: RSS, heap used, event-loop delay. Cheap
 * enough to stay on in every run (one timer and Node's built-in event-loop delay histogram).
 */
export class ProcessSampler {
  private readonly eld: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly series: SeriesRecorder;
  private timer: NodeJS.Timeout | null = null;
  private cpuStart = process.cpuUsage();
  private maxRss = 0;
  private maxHeap = 0;
  private lastEldMax = 0;

  constructor(
    originMs: number,
    private readonly intervalMs: number,
  ) {
    this.series = new SeriesRecorder(originMs, intervalMs);
  }

  start(originMs: number): void {
    this.series.reset(originMs);
    this.cpuStart = process.cpuUsage();
    this.maxRss = 0;
    this.maxHeap = 0;
    this.eld.reset();
    this.eld.enable();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.maxRss = Math.max(this.maxRss, m.rss);
    this.maxHeap = Math.max(this.maxHeap, m.heapUsed);
    this.series.gauge("rssMiB", m.rss / MiB);
    this.series.gauge("heapUsedMiB", m.heapUsed / MiB);
    const max = this.eld.max / 1e6;
    if (max > 0 && max !== this.lastEldMax) this.series.gauge("eventLoopDelayMaxMs", max, "max");
    this.lastEldMax = max;
  }

  stop(): ProcessStats {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    this.eld.disable();
    const cpu = process.cpuUsage(this.cpuStart);
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    return {
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      maxRssBytes: this.maxRss,
      maxHeapUsedBytes: this.maxHeap,
      eventLoopDelayMs: { mean: ms(this.eld.mean), p50: ms(this.eld.percentile(50)), p99: ms(this.eld.percentile(99)), max: ms(this.eld.max) },
      series: this.series.toJSON(),
    };
  }
}
