/**
 * The pstats-like function table of a V8 CPU profile — pure, no I/O. One row per function
 * (name, file:line:col): self and total time, their share of the busy (non-idle) time, exact call counts
 * when precise-coverage counts are given, and time per call.
 *
 * - Self time weights each sample by its real duration (the time to the next sample, from timeDeltas),
 *   not hitCount × interval: V8's effective interval drifts.
 * - Total time adds a sample's weight once per distinct function on its stack: recursion is not double
 *   counted, so no function exceeds 100%.
 * - (idle) is never charged to any function; (program) and (garbage collector) are rows of their own.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CpuProfile } from "./cpuprofile";

export type Category = "user" | "dependency" | "node" | "v8" | "gc" | "idle" | "program";

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
  totalMs: number;
  /** Share of the busy (non-idle) time, %. NaN for (idle). */
  selfPct: number;
  totalPct: number;
  samples: number;
  /** Exact calls (precise coverage, counted in a separate repetition); null when unknown. */
  calls: number | null;
  selfMsPerCall: number | null;
  totalMsPerCall: number | null;
  /** Up to 3 source lines with the most samples (1-based, generated code). */
  hotLines: Array<{ line: number; ticks: number }>;
}

export interface FunctionTable {
  rows: FunctionRow[];
  /** Sampled wall time, ms. */
  totalMs: number;
  /** totalMs − idleMs: the base of every %. */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  programMs: number;
  samples: number;
  meanIntervalUs: number;
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
}

export function functionTable(profile: CpuProfile, opts: TableOptions = {}): FunctionTable {
  const nodes = profile.nodes;
  const n = nodes.length;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) index.set(nodes[i]!.id, i);
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (const c of nodes[i]!.children ?? []) {
      const ci = index.get(c);
      if (ci !== undefined) parent[ci] = i;
    }
  }
  // Sample weights: the duration until the next sample (the last one until endTime).
  const nodeSelf = new Float64Array(n);
  const nodeSamples = new Uint32Array(n);
  const { samples, timeDeltas } = profile;
  let t = profile.startTime;
  const times = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) times[i] = t += Math.max(0, timeDeltas[i]!);
  let weighed = 0;
  for (let i = 0; i < samples.length; i++) {
    const ni = index.get(samples[i]!);
    if (ni === undefined) continue;
    const w = Math.max(0, (i + 1 < samples.length ? times[i + 1]! : profile.endTime) - times[i]!);
    nodeSelf[ni] += w;
    nodeSamples[ni]!++;
    weighed += w;
  }

  // One function per (name, url, line, column).
  const funcOf = new Int32Array(n);
  const funcKeys: string[] = [];
  const funcIndex = new Map<string, number>();
  let root = -1;
  for (let i = 0; i < n; i++) {
    const cf = nodes[i]!.callFrame;
    if (parent[i] === -1 && root === -1) root = i;
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
    let f = funcIndex.get(key);
    if (f === undefined) {
      f = funcKeys.length;
      funcKeys.push(key);
      funcIndex.set(key, f);
    }
    funcOf[i] = f;
  }
  const F = funcKeys.length;
  const self = new Float64Array(F);
  const total = new Float64Array(F);
  const fSamples = new Uint32Array(F);
  const firstNode = new Int32Array(F).fill(-1);
  const lineTicks: Array<Map<number, number> | undefined> = new Array(F);
  for (let i = 0; i < n; i++) {
    const f = funcOf[i]!;
    self[f] += nodeSelf[i]!;
    fSamples[f] += nodeSamples[i]!;
    if (firstNode[f] === -1) firstNode[f] = i;
    for (const pt of nodes[i]!.positionTicks ?? []) {
      const m = (lineTicks[f] ??= new Map());
      m.set(pt.line, (m.get(pt.line) ?? 0) + pt.ticks);
    }
  }

  // Subtree weights (children before parents), then totals: a node's subtree counts for its function
  // only where that function is not already on the path above it (recursion-safe).
  const order = preorder(nodes, index, root);
  const subtree = Float64Array.from(nodeSelf);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    if (parent[i]! >= 0) subtree[parent[i]!] += subtree[i]!;
  }
  const onPath = new Int32Array(F);
  walk(nodes, index, root, (i, enter) => {
    const f = funcOf[i]!;
    if (enter) {
      if (onPath[f] === 0) total[f] += subtree[i]!;
      onPath[f]!++;
    } else onPath[f]!--;
  });

  let idleMs = 0;
  let gcMs = 0;
  let programMs = 0;
  const calls = opts.calls ? indexCalls(opts.calls) : null;
  const rows: FunctionRow[] = [];
  const totalMs = weighed / 1000;
  for (let f = 0; f < F; f++) {
    const cf = nodes[firstNode[f]!]!.callFrame;
    if (firstNode[f] === root && cf.functionName === "(root)") continue;
    const special = SPECIAL.get(cf.functionName);
    const selfMs = self[f]! / 1000;
    if (special === "idle") idleMs += selfMs;
    if (special === "gc") gcMs += selfMs;
    if (special === "program") programMs += selfMs;
    if (self[f] === 0 && total[f] === 0) continue;
    const mapped = opts.positions?.[`${cf.url}:${cf.lineNumber}:${cf.columnNumber}`] ?? null;
    const url = mapped ? mapped[0] : cf.url;
    const line = (mapped ? mapped[1] : cf.lineNumber) + 1;
    const column = (mapped ? mapped[2] : cf.columnNumber) + 1;
    const { category, pkg } = special ? { category: special, pkg: null } : categorize(url, opts.root);
    const count = calls && cf.url ? callCount(calls, cf.url, cf.functionName, cf.lineNumber, cf.columnNumber) : null;
    const ticks = lineTicks[f] ? [...lineTicks[f]!].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l, k]) => ({ line: l, ticks: k })) : [];
    rows.push({
      name: cf.functionName || "(anonymous)",
      url,
      line,
      column,
      location: special ? "" : displayLocation(url, line, column, opts.root),
      category,
      package: pkg,
      selfMs,
      totalMs: total[f]! / 1000,
      selfPct: NaN,
      totalPct: NaN,
      samples: fSamples[f]!,
      calls: count,
      selfMsPerCall: count ? selfMs / count : null,
      totalMsPerCall: count ? total[f]! / 1000 / count : null,
      hotLines: ticks,
    });
  }
  // Functions that ran but were never sampled (too fast): they still belong in a table ranked by calls.
  if (calls) {
    for (const [url, entries] of calls.byUrl) {
      for (const e of entries) {
        if (calls.matched.has(e) || e.count === 0) continue;
        const mapped = opts.positions?.[`${url}:${e.startLine}:${e.startColumn}`] ?? null;
        const u = mapped ? mapped[0] : url;
        const line = (mapped ? mapped[1] : e.startLine) + 1;
        const column = (mapped ? mapped[2] : e.startColumn) + 1;
        const { category, pkg } = categorize(u, opts.root);
        rows.push({
          name: e.functionName || "(anonymous)",
          url: u,
          line,
          column,
          location: displayLocation(u, line, column, opts.root),
          category,
          package: pkg,
          selfMs: 0,
          totalMs: 0,
          selfPct: NaN,
          totalPct: NaN,
          samples: 0,
          calls: e.count,
          selfMsPerCall: 0,
          totalMsPerCall: 0,
          hotLines: [],
        });
      }
    }
  }
  const busyMs = totalMs - idleMs;
  for (const r of rows) {
    if (r.category === "idle") continue;
    r.selfPct = busyMs > 0 ? (100 * r.selfMs) / busyMs : 0;
    r.totalPct = busyMs > 0 ? (100 * r.totalMs) / busyMs : 0;
  }
  rows.sort((a, b) => b.selfMs - a.selfMs);
  return {
    rows,
    totalMs,
    busyMs,
    idleMs,
    gcMs,
    programMs,
    samples: samples.length,
    meanIntervalUs: samples.length ? weighed / samples.length : 0,
    callsNote: opts.calls ? opts.calls.note : null,
  };
}

function preorder(nodes: CpuProfile["nodes"], index: Map<number, number>, root: number): number[] {
  const out: number[] = [];
  if (root < 0) return out;
  const stack = [root];
  while (stack.length) {
    const i = stack.pop()!;
    out.push(i);
    const ch = nodes[i]!.children;
    if (ch) for (let k = ch.length - 1; k >= 0; k--) stack.push(index.get(ch[k]!)!);
  }
  return out;
}

/** Iterative DFS with enter/leave callbacks (profiles can be deeper than the JS stack). */
function walk(nodes: CpuProfile["nodes"], index: Map<number, number>, root: number, visit: (i: number, enter: boolean) => void): void {
  if (root < 0) return;
  const stack: number[] = [root];
  while (stack.length) {
    const v = stack.pop()!;
    if (v < 0) {
      visit(~v, false);
      continue;
    }
    visit(v, true);
    stack.push(~v);
    const ch = nodes[v]!.children;
    if (ch) for (let k = ch.length - 1; k >= 0; k--) stack.push(index.get(ch[k]!)!);
  }
}

/** User code, an npm package, Node's own code, or V8/native — decided from the (source-mapped) URL. */
export function categorize(url: string, root?: string): { category: Category; pkg: string | null } {
  if (!url) return { category: "v8", pkg: null };
  if (url.startsWith("node:") || !/^(file:|\/|[A-Za-z]:\\)/.test(url)) return { category: "node", pkg: null };
  const p = toPath(url);
  const m = /.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(p);
  if (m) return { category: "dependency", pkg: m[1]!.replace(/\\/g, "/") };
  return { category: "user", pkg: null };
}

function toPath(url: string): string {
  if (url.startsWith("file:")) {
    try {
      return fileURLToPath(url);
    } catch {
      return url; // not a well-formed file URL: keep it as is
    }
  }
  return url;
}

function displayLocation(url: string, line: number, column: number, root?: string): string {
  const p = toPath(url);
  const shown = root && p.startsWith(root + path.sep) ? path.relative(root, p) : p;
  return `${shown}:${line}:${column}`;
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

/** Top N rows by self time, total time or calls, optionally only some categories (e.g. ["user"]). */
export function topFunctions(table: FunctionTable, by: RankBy, n = 10, categories?: Category[]): FunctionRow[] {
  const rows = table.rows.filter((r) => r.category !== "idle" && (!categories || categories.includes(r.category)));
  const key = (r: FunctionRow) => (by === "self" ? r.selfMs : by === "total" ? r.totalMs : (r.calls ?? -1));
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, n);
}

/** Self time summed per category and per package (where time goes: your code, kafkajs, Node, GC …). */
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
