import { Session } from "node:inspector/promises";
import { PerformanceObserver, constants as perfConstants } from "node:perf_hooks";
import { PerfLabError } from "../errors";
import { coverageToCalls, earlyCoverageSession } from "./coverage";
import { mapPositions } from "./sourcemap";
import type { CallCounts } from "./table";
import type { ProfileFileKind } from "../results/model";

/** Which in-process collectors a repetition runs, and where their files go. */
export interface ProfileRequest {
  cpu: boolean;
  heap: boolean;
  calls: boolean;
  samplingIntervalUs: number;
  heapSamplingBytes: number;
}

/**
 * In-process collectors of one role for one repetition, through a node:inspector session on the role's
 * own isolate: a sampling CPU profile (interval set before start), a sampling heap profile, exact call
 * counts (V8 precise coverage), and GC pauses by kind. They cover the measured window only: started on
 * the runner's "start", stopped on its "stop". Nothing here runs unless a profile was asked for.
 */
export class Collectors {
  private readonly errors: string[] = [];
  private readonly files: Partial<Record<ProfileFileKind, Buffer>> = {};
  private gcObserver: PerformanceObserver | null = null;
  /** GC pauses, ms after the collectors started (≈ the repetition's start). */
  private readonly gc: Array<{ atMs: number; durationMs: number; kind: string }> = [];
  private startPerf = 0;

  private constructor(
    private readonly session: Session,
    private readonly req: ProfileRequest,
  ) {}

  static async create(req: ProfileRequest): Promise<Collectors> {
    if (req.calls && !earlyCoverageSession()) {
      throw new PerfLabError("CALLS_NEED_EARLY_COVERAGE", "exact call counts need a role process started with precise coverage (the runner starts one for each calls repetition)");
    }
    const session = new Session();
    session.connect();
    return new Collectors(session, req);
  }

  async start(): Promise<void> {
    const s = this.session;
    this.startPerf = performance.now();
    if (this.req.cpu) await s.post("Profiler.enable");
    // Counting started with the process (coverage.ts); taking the coverage now resets the counters, so
    // what the next take returns is exactly this window's calls.
    if (this.req.calls) await earlyCoverageSession()!.post("Profiler.takePreciseCoverage");
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

  /**
   * Stop every collector and hand back its file's contents (the runner writes them under profiles/): a
   * collector that fails is reported, the others still deliver.
   */
  async stop(): Promise<CollectedProfiles> {
    const s = this.session;
    const frames: Frame[] = [];
    if (this.req.cpu) {
      await this.attempt("cpu", async () => {
        const { profile } = await s.post("Profiler.stop");
        this.keep("cpuprofile", JSON.stringify(profile));
        for (const node of profile.nodes) frames.push(node.callFrame);
      });
    }
    if (this.req.calls) {
      await this.attempt("calls", async () => {
        const cov = earlyCoverageSession()!;
        const { result } = await cov.post("Profiler.takePreciseCoverage");
        const calls: CallCounts = {
          note: "exact invocations from V8 precise coverage, counted in a repetition of its own (fresh processes, optimizing compiler off; not used for timing)",
          functions: await coverageToCalls(cov, result),
        };
        this.keep("calls", JSON.stringify(calls));
        for (const f of calls.functions) frames.push({ url: f.url, lineNumber: f.startLine, columnNumber: f.startColumn });
      });
    }
    if (this.req.heap) {
      this.gcObserver?.disconnect();
      await this.attempt("heap", async () => {
        const { profile } = await s.post("HeapProfiler.stopSampling");
        this.keep("heapprofile", JSON.stringify(profile));
        this.keep("gc", JSON.stringify({ note: "GC pauses; atMs from the start of the measured window", pauses: this.gc }));
        // Iterative: heap profiles can be deeper than the JS stack.
        const stack = [profile.head as unknown as HeapNode];
        while (stack.length) {
          const n = stack.pop()!;
          frames.push(n.callFrame);
          stack.push(...n.children);
        }
      });
    }
    if (frames.length) {
      await this.attempt("source maps", async () => {
        const positions = mapPositions(frames);
        if (Object.keys(positions).length) this.keep("sourcemap", JSON.stringify(positions));
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

  private keep(kind: ProfileFileKind, data: string): void {
    this.files[kind] = Buffer.from(data, "utf8");
  }
}

type Frame = { url: string; lineNumber: number; columnNumber: number };
type HeapNode = { callFrame: Frame; children: HeapNode[] };

/** What a role's collectors produced in one repetition: file kind → contents, and the collectors that failed. */
export interface CollectedProfiles {
  files: Partial<Record<ProfileFileKind, Buffer>>;
  errors: string[];
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
