/**
 * The call tree of a CPU profile for icicle / sunburst views (SnakeViz-like): nodes of the same function
 * under the same parent path are merged, values are total ms (plotly `branchvalues: "total"`), and the
 * tree is cut at `maxDepth` and at nodes below `minPct` of the busy time so the view stays readable.
 */
import type { CpuProfile } from "./cpuprofile";
import { categorize, toPath } from "./categories";
import { frameKey, profileGraph, sampleWeights, subtreeSums, type ProfileGraph } from "./graph";
import type { PositionMap } from "./table";

export interface CallTree {
  ids: string[];
  labels: string[];
  parents: string[];
  /** Total ms of each node (itself and below). */
  values: number[];
  selfMs: number[];
  locations: string[];
  categories: string[];
  busyMs: number;
}

interface Agg {
  id: string;
  label: string;
  location: string;
  category: string;
  total: number;
  self: number;
  children: Map<string, Agg>;
}

interface TreeOptions {
  maxDepth?: number;
  minPct?: number;
  positions?: PositionMap | null;
  root?: string;
}

export function callTree(profile: CpuProfile, opts: TreeOptions = {}): CallTree {
  const nodes = profile.nodes;
  const g = profileGraph(nodes);
  const { selfUs } = sampleWeights(profile, g);
  const subtree = subtreeSums(g, selfUs);
  const top: Agg = { id: "root", label: "all", location: "", category: "", total: 0, self: 0, children: new Map() };
  top.total = aggregate(profile, g, selfUs, subtree, top, opts);
  const out: CallTree = { ids: [], labels: [], parents: [], values: [], selfMs: [], locations: [], categories: [], busyMs: top.total / 1000 };
  const minUs = (top.total * (opts.minPct ?? 0.5)) / 100;
  // Emit in pre-order, iteratively (parents before children, as plotly wants).
  const stack: Array<[Agg, string]> = [[top, ""]];
  while (stack.length) {
    const [a, parent] = stack.pop()!;
    out.ids.push(a.id);
    out.labels.push(a.label);
    out.parents.push(parent);
    out.values.push(a.total / 1000);
    out.selfMs.push(a.self / 1000);
    out.locations.push(a.location);
    out.categories.push(a.category);
    const kids = [...a.children.values()].filter((c) => c.total >= minUs);
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, a.id]);
  }
  return out;
}

/** Merge profile nodes into `top` by function path; returns the busy µs (idle left out). */
function aggregate(profile: CpuProfile, g: ProfileGraph, selfUs: Float64Array, subtree: Float64Array, top: Agg, opts: TreeOptions): number {
  const maxDepth = opts.maxDepth ?? 14;
  let nextId = 0;
  let busyUs = 0;
  const stack: Array<{ node: number; agg: Agg; depth: number }> = g.root < 0 ? [] : g.children(g.root).map((c) => ({ node: c, agg: top, depth: 1 }));
  while (stack.length) {
    const { node, agg, depth } = stack.pop()!;
    const cf = profile.nodes[node]!.callFrame;
    if (cf.functionName === "(idle)") continue;
    const key = frameKey(cf);
    let child = agg.children.get(key);
    if (!child) {
      const mapped = opts.positions?.[`${cf.url}:${cf.lineNumber}:${cf.columnNumber}`] ?? null;
      const url = mapped ? mapped[0] : cf.url;
      const line = (mapped ? mapped[1] : cf.lineNumber) + 1;
      const shown = toPath(url).replace((opts.root ?? "\u0000") + "/", "");
      child = {
        id: `n${nextId++}`,
        label: cf.functionName || "(anonymous)",
        location: url ? `${shown}:${line}` : "",
        category: cf.functionName.startsWith("(") && !cf.url ? "v8" : categorize(url, opts.root).category,
        total: 0,
        self: 0,
        children: new Map(),
      };
      agg.children.set(key, child);
    }
    child.total += subtree[node]!;
    if (depth === 1) busyUs += subtree[node]!;
    if (depth >= maxDepth) {
      child.self += subtree[node]!; // everything below folds into this node's self time
      continue;
    }
    child.self += selfUs[node]!;
    for (const c of g.children(node)) stack.push({ node: c, agg: child, depth: depth + 1 });
  }
  return busyUs;
}
