import fs from "node:fs";
import v8 from "node:v8";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { PerformanceObserver, constants as perfConstants } from "node:perf_hooks";
import type { ProfileRequest } from "../roles/control";
import { coverageToCalls } from "./coverage";
import { mapPositions } from "./sourcemap";
import type { CallCounts } from "./table";

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
  /** GC pauses, ms after the collectors started (≈ the repetition's start). */
  private readonly gc: Array<{ atMs: number; durationMs: number; kind: string }> = [];
  private startPerf = 0;

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
    this.startPerf = performance.now();
    fs.mkdirSync(path.dirname(this.req.outputBase), { recursive: true });
    if (this.req.cpu || this.req.calls) await s.post("Profiler.enable");
    if (this.req.calls) {
      // Precise coverage deoptimizes everything when it starts, but V8 11 optimizes hot functions again
      // during the window, and optimized (inlined) calls are not counted: measured, a function called
      // 400,000 times showed 5,800. With TurboFan off for the window the counts are exact.
      v8.setFlagsFromString("--no-opt");
      await s.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    }
    if (this.req.cpu) {
      await s.post("Profiler.setSamplingInterval", { interval: this.req.samplingIntervalUs });
      await s.post("Profiler.start");
    }
    if (this.req.heap) {
      await s.post("HeapProfiler.enable");
      // Include objects GC already collected: allocation volume (what drives GC), not only survivors.
      await s.post("HeapProfiler.startSampling", {
        samplingInterval: this.req.heapSamplingBytes,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as { samplingInterval: number });
      this.gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          this.gc.push({ atMs: e.startTime - this.startPerf, durationMs: e.duration, kind: gcKind((e as unknown as { detail?: { kind?: number } }).detail?.kind) });
        }
      });
      this.gcObserver.observe({ entryTypes: ["gc"] });
    }
  }

  /** Stop every collector and write its file; a collector that fails is reported, the others still write. */
  async stop(): Promise<{ files: Record<string, string>; errors: string[] }> {
    const s = this.session;
    const base = this.req.outputBase;
    const frames: Array<{ url: string; lineNumber: number; columnNumber: number }> = [];
    if (this.req.cpu) {
      await this.attempt("cpu", async () => {
        const { profile } = await s.post("Profiler.stop");
        this.write("cpuprofile", `${base}.cpuprofile`, JSON.stringify(profile));
        for (const node of profile.nodes) frames.push(node.callFrame);
      });
    }
    if (this.req.calls) {
      await this.attempt("calls", async () => {
        const { result } = await s.post("Profiler.takePreciseCoverage");
        await s.post("Profiler.stopPreciseCoverage");
        v8.setFlagsFromString("--opt");
        const calls: CallCounts = {
          note: "exact call counts from V8 precise coverage, taken in a separate repetition (counting disables optimized code, so it is not used for timing)",
          functions: await coverageToCalls(s, result),
        };
        this.write("calls", `${base}.calls.json`, JSON.stringify(calls));
        for (const f of calls.functions) frames.push({ url: f.url, lineNumber: f.startLine, columnNumber: f.startColumn });
      });
    }
    if (this.req.heap) {
      this.gcObserver?.disconnect();
      await this.attempt("heap", async () => {
        const { profile } = await s.post("HeapProfiler.stopSampling");
        this.write("heapprofile", `${base}.heapprofile`, JSON.stringify(profile));
        this.write("gc", `${base}.gc.json`, JSON.stringify({ note: "GC pauses; atMs from the start of the measured window", pauses: this.gc }));
        const visit = (n: { callFrame: (typeof frames)[number]; children: unknown[] }) => {
          frames.push(n.callFrame);
          for (const c of n.children) visit(c as typeof n);
        };
        visit(profile.head as unknown as { callFrame: (typeof frames)[number]; children: unknown[] });
      });
    }
    if (frames.length) {
      await this.attempt("source maps", async () => {
        const positions = mapPositions(frames);
        if (Object.keys(positions).length) this.write("sourcemap", `${base}.sourcemap.json`, JSON.stringify(positions));
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
