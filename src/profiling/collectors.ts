import fs from "node:fs";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { PerformanceObserver, constants as perfConstants } from "node:perf_hooks";
import type { ProfileRequest } from "../roles/control";

/**
 * In-process collectors of one role for one repetition, through a node:inspector session on the role's
 * own isolate: a sampling CPU profile (interval set before start), a sampling heap profile, exact call
 * counts (V8 precise coverage), and GC pauses by kind. They cover the measured window only: started on
 * the runner's "start", stopped on its "stop". Nothing here runs unless a profile was asked for.
 */
export class Collectors {
  private readonly errors: string[] = [];
  private readonly files: Record<string, string> = {};
  private gcObserver: PerformanceObserver | null = null;
  private readonly gc: Array<{ startMs: number; durationMs: number; kind: string }> = [];

  private constructor(
    private readonly session: Session,
    private readonly req: ProfileRequest,
  ) {}

  static async create(req: ProfileRequest): Promise<Collectors> {
    const session = new Session();
    session.connect();
    return new Collectors(session, req);
  }

  async start(): Promise<void> {
    const s = this.session;
    fs.mkdirSync(path.dirname(this.req.outputBase), { recursive: true });
    if (this.req.cpu || this.req.calls) await s.post("Profiler.enable");
    if (this.req.calls) await s.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    if (this.req.cpu) {
      await s.post("Profiler.setSamplingInterval", { interval: this.req.samplingIntervalUs });
      await s.post("Profiler.start");
    }
    if (this.req.heap) {
      await s.post("HeapProfiler.enable");
      await s.post("HeapProfiler.startSampling", { samplingInterval: this.req.heapSamplingBytes });
      this.gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          this.gc.push({ startMs: e.startTime, durationMs: e.duration, kind: gcKind((e as unknown as { detail?: { kind?: number } }).detail?.kind) });
        }
      });
      this.gcObserver.observe({ entryTypes: ["gc"] });
    }
  }

  /** Stop every collector and write its file; a collector that fails is reported, the others still write. */
  async stop(): Promise<{ files: Record<string, string>; errors: string[] }> {
    const s = this.session;
    const base = this.req.outputBase;
    if (this.req.cpu) {
      await this.attempt("cpu", async () => {
        const { profile } = await s.post("Profiler.stop");
        this.write("cpuprofile", `${base}.cpuprofile`, JSON.stringify(profile));
      });
    }
    if (this.req.calls) {
      await this.attempt("calls", async () => {
        const { result } = await s.post("Profiler.takePreciseCoverage");
        await s.post("Profiler.stopPreciseCoverage");
        this.write("calls", `${base}.calls.json`, JSON.stringify({ kind: "v8-precise-coverage", note: "exact call counts; optimized code was disabled while counting", result }));
      });
    }
    if (this.req.heap) {
      this.gcObserver?.disconnect();
      await this.attempt("heap", async () => {
        const { profile } = await s.post("HeapProfiler.stopSampling");
        this.write("heapprofile", `${base}.heapprofile`, JSON.stringify(profile));
        this.write("gc", `${base}.gc.json`, JSON.stringify({ timeOrigin: performance.timeOrigin, pauses: this.gc }));
      });
    }
    s.disconnect();
    return { files: this.files, errors: this.errors };
  }

  private async attempt(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.errors.push(`${what}: ${(err as Error).message}`);
    }
  }

  private write(key: string, file: string, data: string): void {
    fs.writeFileSync(file + ".tmp", data);
    fs.renameSync(file + ".tmp", file);
    this.files[key] = file;
  }
}

function gcKind(kind: number | undefined): string {
  switch (kind) {
    case perfConstants.NODE_PERFORMANCE_GC_MAJOR:
      return "major";
    case perfConstants.NODE_PERFORMANCE_GC_MINOR:
      return "minor";
    case perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return "incremental";
    case perfConstants.NODE_PERFORMANCE_GC_WEAKCB:
      return "weakcb";
    default:
      return "unknown";
  }
}
