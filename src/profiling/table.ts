/**
 * The pstats-like function table of a V8 CPU profile — pure, no I/O. One row per function
 * (name, file:line:col): self and total time, their share of the busy (non-idle) time, exact call counts
 * when precise-coverage counts are given, and time per call.
 *
 * - Self time weights each sample by its real duration (graph.ts `sampleWeights`).
 * - Total time adds a sample's weight once per distinct function on its stack: recursion is not double
 *   counted, so no function exceeds 100%.
 * - (idle) is never charged to any function; (program) and (garbage collector) are rows of their own.
 * - Every function with a call count is a row, with zero time when no sample hit it: a table sorted by
 *   calls is complete (as pstats lists every function that was called).
 */
import type { CpuProfile } from "./cpuprofile";
import { categorize, displayLocation, type Category } from "./categories";
import { frameKey, profileGraph, sampleWeights, stallThresholdUs, subtreeSums, totalsByKey } from "./graph";

export { categorize, type Category } from "./categories";

/** Exact call counts from V8 precise coverage, as the role writes them (`<base>.calls.json`). */
export interface CallCountEntry {
  url: string;
  functionName: string;
  /** 0-based source range of the function (generated code). */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  count: number;
}

export interface CallCounts {
  note: string;
  functions: CallCountEntry[];
}

/** Generated position → original position: "url:line:col" (0-based) → [original url, line, col] (0-based). */
export type PositionMap = Record<string, [string, number, number]>;

export interface FunctionRow {
  name: string;
  /** Original (source-mapped) location when a map was available. */
  url: string;
  /** 1-based line and column, as editors show them. */
  line: number;
  column: number;
  /** "src/handler.ts:12:3" relative to the workspace, or the URL. */
  location: string;
  category: Category;
  /** npm package for dependency code (e.g. "kafkajs", "@scope/pkg"). */
  package: string | null;
  selfMs: number;
  /** Cumulative: the function and everything it called, counted once per stack. */
  totalMs: number;
  /** Share of the busy (non-idle) time, %. NaN for (idle). */
  selfPct: number;
  totalPct: number;
  samples: number;
  /** Samples in the function or anything it called (once per stack): the share of samples, which unlike
   * time does not stretch when the process waits for a CPU on a busy machine. */
  totalSamples: number;
  /** Exact calls (precise coverage, counted in a separate repetition); null when unknown. */
  calls: number | null;
  selfMsPerCall: number | null;
  totalMsPerCall: number | null;
  /** Up to 3 source lines with the most samples (1-based, generated code). */
  hotLines: Array<{ line: number; ticks: number }>;
}

export interface FunctionTable {
  rows: FunctionRow[];
  /** Wall time covered by the samples, ms. */
  sampledMs: number;
  /** sampledMs − idleMs: the base of every %. */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  programMs: number;
  samples: number;
  meanIntervalUs: number;
  /** Gaps between samples over the stall threshold (graph.ts `stallThresholdUs`): the sampler did not run. */
  stalls: number;
  /** Their time, ms: weighed to the sample before each gap, so a large share makes times (not sample counts) unreliable. */
  stalledMs: number;
  callsNote: string | null;
}

const SPECIAL = new Map<string, Category>([
  ["(idle)", "idle"],
  ["(program)", "program"],
  ["(garbage collector)", "gc"],
]);

export interface TableOptions {
  calls?: CallCounts | null;
  positions?: PositionMap | null;
  /** Workspace root: locations under it are shown relative, and it decides user vs dependency code. */
  root?: string;
  /** Root of the kafka-perf-lab package: its own code is category "lab" (default: the installed package). */
  labRoot?: string;
}

/** Per-function sums of one profile: self/total µs, samples, the first node (for its frame), hot lines. */
interface FunctionSums {
  keys: string[];
  firstNode: Int32Array;
  selfUs: Float64Array;
  totalUs: Float64Array;
  samples: Uint32Array;
  totalSamples: Float64Array;
  lineTicks: Array<Map<number, number> | undefined>;
  rootNode: number;
  weighedUs: number;
  stalls: number;
  stalledUs: number;
}

function sumPerFunction(profile: CpuProfile): FunctionSums {
  const nodes = profile.nodes;
  const g = profileGraph(nodes);
  const w = sampleWeights(profile, g, stallThresholdUs(profile.timeDeltas));
  const funcOf = new Int32Array(nodes.length);
  const keys: string[] = [];
  const funcIndex = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    const key = frameKey(nodes[i]!.callFrame);
    let f = funcIndex.get(key);
    if (f === undefined) funcIndex.set(key, (f = keys.push(key) - 1));
    funcOf[i] = f;
  }
  const F = keys.length;
  const selfUs = new Float64Array(F);
  const samples = new Uint32Array(F);
  const firstNode = new Int32Array(F).fill(-1);
  const lineTicks: FunctionSums["lineTicks"] = new Array(F);
  for (let i = 0; i < nodes.length; i++) {
    const f = funcOf[i]!;
    selfUs[f] += w.selfUs[i]!;
    samples[f] += w.samples[i]!;
    if (firstNode[f] === -1) firstNode[f] = i;
    for (const pt of nodes[i]!.positionTicks ?? []) {
      const m = (lineTicks[f] ??= new Map());
      m.set(pt.line, (m.get(pt.line) ?? 0) + pt.ticks);
    }
  }
  const totalUs = totalsByKey(g, subtreeSums(g, w.selfUs), funcOf, F);
  const totalSamples = totalsByKey(g, subtreeSums(g, w.samples), funcOf, F);
  return { keys, firstNode, selfUs, totalUs, samples, totalSamples, lineTicks, rootNode: g.root, weighedUs: w.totalUs, stalls: w.stalls, stalledUs: w.stalledUs };
}

function mapped(opts: TableOptions, url: string, line0: number, col0: number): { url: string; line: number; column: number } {
  const m = opts.positions?.[`${url}:${line0}:${col0}`] ?? null;
  return m ? { url: m[0], line: m[1] + 1, column: m[2] + 1 } : { url, line: line0 + 1, column: col0 + 1 };
}

function emptyRow(name: string, pos: { url: string; line: number; column: number }, special: Category | undefined, opts: TableOptions): FunctionRow {
  const { category, pkg } = special ? { category: special, pkg: null } : categorize(pos.url, opts.root, opts.labRoot);
  return {
    name: name || "(anonymous)",
    ...pos,
    location: special ? "" : displayLocation(pos.url, pos.line, pos.column, opts.root),
    category,
    package: pkg,
    selfMs: 0,
    totalMs: 0,
    selfPct: NaN,
    totalPct: NaN,
    samples: 0,
    totalSamples: 0,
    calls: null,
    selfMsPerCall: null,
    totalMsPerCall: null,
    hotLines: [],
  };
}

export function functionTable(profile: CpuProfile, opts: TableOptions = {}): FunctionTable {
  const sums = sumPerFunction(profile);
  const calls = opts.calls ? indexCalls(opts.calls) : null;
  const rows: FunctionRow[] = [];
  const specialMs = { idle: 0, gc: 0, program: 0 };
  for (let f = 0; f < sums.keys.length; f++) {
    const cf = profile.nodes[sums.firstNode[f]!]!.callFrame;
    if (sums.firstNode[f] === sums.rootNode && cf.functionName === "(root)") continue;
    const special = SPECIAL.get(cf.functionName);
    const selfMs = sums.selfUs[f]! / 1000;
    if (special === "idle" || special === "gc" || special === "program") specialMs[special] += selfMs;
    // Calls first: a frame V8 knows of but never sampled still claims its coverage entry (and stays a row if called).
    const count = calls && cf.url ? callCount(calls, cf.url, cf.functionName, cf.lineNumber, cf.columnNumber) : null;
    if (sums.selfUs[f] === 0 && sums.totalUs[f] === 0 && !count) continue;
    const row = emptyRow(cf.functionName, mapped(opts, cf.url, cf.lineNumber, cf.columnNumber), special, opts);
    row.selfMs = selfMs;
    row.totalMs = sums.totalUs[f]! / 1000;
    row.samples = sums.samples[f]!;
    row.totalSamples = sums.totalSamples[f]!;
    row.calls = count;
    row.selfMsPerCall = count ? selfMs / count : null;
    row.totalMsPerCall = count ? row.totalMs / count : null;
    const ticks = sums.lineTicks[f];
    row.hotLines = ticks ? [...ticks].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([line, k]) => ({ line, ticks: k })) : [];
    rows.push(row);
  }
  if (calls) rows.push(...unsampledRows(calls, opts));
  const sampledMs = sums.weighedUs / 1000;
  const busyMs = sampledMs - specialMs.idle;
  for (const r of rows) {
    if (r.category === "idle") continue;
    r.selfPct = busyMs > 0 ? (100 * r.selfMs) / busyMs : 0;
    r.totalPct = busyMs > 0 ? (100 * r.totalMs) / busyMs : 0;
  }
  rows.sort((a, b) => b.selfMs - a.selfMs || (b.calls ?? 0) - (a.calls ?? 0));
  return {
    rows,
    sampledMs,
    busyMs,
    idleMs: specialMs.idle,
    gcMs: specialMs.gc,
    programMs: specialMs.program,
    samples: profile.samples.length,
    meanIntervalUs: profile.samples.length ? sums.weighedUs / profile.samples.length : 0,
    stalls: sums.stalls,
    stalledMs: sums.stalledUs / 1000,
    callsNote: opts.calls ? opts.calls.note : null,
  };
}

/** Functions that were called but never sampled (too fast, or not on a sampled stack): rows with zero time. */
function unsampledRows(calls: CallIndex, opts: TableOptions): FunctionRow[] {
  const rows: FunctionRow[] = [];
  for (const [url, entries] of calls.byUrl) {
    for (const e of entries) {
      if (calls.matched.has(e) || e.count === 0) continue;
      const row = emptyRow(e.functionName, mapped(opts, url, e.startLine, e.startColumn), undefined, opts);
      row.calls = e.count;
      row.selfMsPerCall = 0;
      row.totalMsPerCall = 0;
      rows.push(row);
    }
  }
  return rows;
}

interface CallIndex {
  byUrl: Map<string, CallCountEntry[]>;
  /** Entries some profile frame matched; the others become rows of their own (called, never sampled). */
  matched: Set<CallCountEntry>;
}

function indexCalls(calls: CallCounts): CallIndex {
  const byUrl = new Map<string, CallCountEntry[]>();
  for (const e of calls.functions) {
    let arr = byUrl.get(e.url);
    if (!arr) byUrl.set(e.url, (arr = []));
    arr.push(e);
  }
  return { byUrl, matched: new Set() };
}

const before = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 <= c2);

/**
 * Calls of the profile frame at (line, col): the innermost covered function whose source range contains
 * it (V8 puts a profile frame at the parameter list, coverage at the function's first token), preferring
 * one with the same name.
 */
function callCount(calls: CallIndex, url: string, name: string, line: number, col: number): number | null {
  const entries = calls.byUrl.get(url);
  if (!entries) return null;
  let best: CallCountEntry | null = null;
  let bestSpan = Infinity;
  for (const e of entries) {
    if (!before(e.startLine, e.startColumn, line, col) || !before(line, col, e.endLine, e.endColumn)) continue;
    const span = (e.endLine - e.startLine) * 1e6 + (e.endColumn - e.startColumn);
    const nameBonus = e.functionName === name ? 0 : 1e12;
    if (span + nameBonus < bestSpan) {
      bestSpan = span + nameBonus;
      best = e;
    }
  }
  if (!best) return null;
  calls.matched.add(best);
  return best.count;
}

export type RankBy = "self" | "total" | "calls";

/** Categories of "your code" views: your code only; the lab's own code has a category of its own. */
export const YOUR_CODE: Category[] = ["user"];

/** Top N rows by self time, total time or calls, optionally only some categories (e.g. ["user"]). */
export function topFunctions(table: FunctionTable, by: RankBy, n = 10, categories?: Category[]): FunctionRow[] {
  const rows = table.rows.filter((r) => r.category !== "idle" && (!categories || categories.includes(r.category)));
  const key = (r: FunctionRow) => (by === "self" ? r.selfMs : by === "total" ? r.totalMs : (r.calls ?? -1));
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, n);
}

/** Self time summed per category and per package (where time goes: your code, the lab, kafkajs, Node, GC …). */
export function timeByCategory(table: FunctionTable): Array<{ group: string; selfMs: number; selfPct: number }> {
  const m = new Map<string, number>();
  for (const r of table.rows) {
    if (r.category === "idle") continue;
    const g = r.category === "dependency" ? `dependency: ${r.package}` : r.category;
    m.set(g, (m.get(g) ?? 0) + r.selfMs);
  }
  return [...m]
    .map(([group, selfMs]) => ({ group, selfMs, selfPct: table.busyMs > 0 ? (100 * selfMs) / table.busyMs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}
