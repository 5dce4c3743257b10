/**
 * The call tree of a CPU profile for icicle / sunburst views (SnakeViz-like): nodes of the same function
 * under the same parent path are merged, values are total ms (plotly `branchvalues: "total"`), and the
 * tree is cut at `maxDepth` and at nodes below `minPct` of the busy time so the view stays readable.
 */
import type { CpuProfile } from "./cpuprofile";
import { categorize, type PositionMap } from "./table";

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

export function callTree(profile: CpuProfile, opts: { maxDepth?: number; minPct?: number; positions?: PositionMap | null; root?: string } = {}): CallTree {
  const maxDepth = opts.maxDepth ?? 14;
  const minPct = opts.minPct ?? 0.5;
  const nodes = profile.nodes;
  const index = new Map<number, number>();
  nodes.forEach((n, i) => index.set(n.id, i));
  const selfUs = new Float64Array(nodes.length);
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += Math.max(0, d)));
  for (let i = 0; i < profile.samples.length; i++) {
    const ni = index.get(profile.samples[i]!);
    if (ni === undefined) continue;
    selfUs[ni] += Math.max(0, (i + 1 < times.length ? times[i + 1]! : profile.endTime) - times[i]!);
  }
  const hasParent = new Set<number>();
  for (const n of nodes) for (const c of n.children ?? []) hasParent.add(c);
  const rootNode = nodes.find((n) => !hasParent.has(n.id))!;
  const top: Agg = { id: "root", label: "all", location: "", category: "", total: 0, self: 0, children: new Map() };
  let nextId = 0;
  // Iterative: profiles can be deeper than the JS stack.
  const stack: Array<{ node: number; agg: Agg; depth: number }> = [];
  for (const c of rootNode.children ?? []) stack.push({ node: index.get(c)!, agg: top, depth: 1 });
  const subtree = new Float64Array(nodes.length);
  const parentOf = new Int32Array(nodes.length).fill(-1);
  for (const n of nodes) for (const c of n.children ?? []) parentOf[index.get(c)!] = index.get(n.id)!;
  // Subtree sums in reverse pre-order (children before parents), without recursion.
  const visitOrder: number[] = [];
  const s2 = [index.get(rootNode.id)!];
  while (s2.length) {
    const i = s2.pop()!;
    visitOrder.push(i);
    for (const c of nodes[i]!.children ?? []) s2.push(index.get(c)!);
  }
  for (let k = visitOrder.length - 1; k >= 0; k--) {
    const i = visitOrder[k]!;
    subtree[i] += selfUs[i]!;
    if (parentOf[i]! >= 0) subtree[parentOf[i]!] += subtree[i]!;
  }
  let busyUs = 0;
  while (stack.length) {
    const { node, agg, depth } = stack.pop()!;
    const cf = nodes[node]!.callFrame;
    if (cf.functionName === "(idle)") continue;
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
    let child = agg.children.get(key);
    if (!child) {
      const mapped = opts.positions?.[`${cf.url}:${cf.lineNumber}:${cf.columnNumber}`] ?? null;
      const url = mapped ? mapped[0] : cf.url;
      const line = (mapped ? mapped[1] : cf.lineNumber) + 1;
      child = {
        id: `n${nextId++}`,
        label: cf.functionName || "(anonymous)",
        location: url ? `${url.replace(/^file:\/\//, "").replace((opts.root ?? "\u0000") + "/", "")}:${line}` : "",
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
      // Fold everything below into this node's self time.
      child.self += subtree[node]!;
      continue;
    }
    child.self += selfUs[node]!;
    for (const c of nodes[node]!.children ?? []) stack.push({ node: index.get(c)!, agg: child, depth: depth + 1 });
  }
  top.total = busyUs;
  const out: CallTree = { ids: [], labels: [], parents: [], values: [], selfMs: [], locations: [], categories: [], busyMs: busyUs / 1000 };
  const minUs = (busyUs * minPct) / 100;
  const emit = (a: Agg, parent: string) => {
    out.ids.push(a.id);
    out.labels.push(a.label);
    out.parents.push(parent);
    out.values.push(a.total / 1000);
    out.selfMs.push(a.self / 1000);
    out.locations.push(a.location);
    out.categories.push(a.category);
    for (const c of a.children.values()) if (c.total >= minUs) emit(c, a.id);
  };
  emit(top, "");
  return out;
}
