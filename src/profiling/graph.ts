/**
 * One way to walk a profile's call graph, shared by the function table, the call tree and the heap table.
 * Profiles can be far deeper than the JS stack, so every traversal here is iterative.
 */
import { quantileSorted } from "../results/stats";

export interface GraphNode {
  id: number;
  children?: number[];
}

export interface ProfileGraph {
  /** Node id → index into the nodes array. */
  index: Map<number, number>;
  /** Parent index per node index (−1 for a root). */
  parent: Int32Array;
  /** Index of the first root (the "(root)" node of a V8 profile), −1 when empty. */
  root: number;
  /** Child indices of a node index. */
  children(i: number): number[];
  size: number;
}

export function profileGraph(nodes: ReadonlyArray<GraphNode>): ProfileGraph {
  const n = nodes.length;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) index.set(nodes[i]!.id, i);
  const parent = new Int32Array(n).fill(-1);
  const kids: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const list: number[] = [];
    for (const c of nodes[i]!.children ?? []) {
      const ci = index.get(c);
      if (ci === undefined) continue;
      parent[ci] = i;
      list.push(ci);
    }
    kids[i] = list;
  }
  let root = -1;
  for (let i = 0; i < n && root < 0; i++) if (parent[i] === -1) root = i;
  return { index, parent, root, children: (i) => kids[i]!, size: n };
}

/** Node indices in pre-order from `start` (default: the root); children in their given order. */
export function preorder(g: ProfileGraph, start = g.root): number[] {
  const out: number[] = [];
  if (start < 0) return out;
  const stack = [start];
  while (stack.length) {
    const i = stack.pop()!;
    out.push(i);
    const ch = g.children(i);
    for (let k = ch.length - 1; k >= 0; k--) stack.push(ch[k]!);
  }
  return out;
}

/** Depth-first walk with enter (true) and leave (false) calls, from `start` (default: the root). */
export function walk(g: ProfileGraph, visit: (i: number, enter: boolean, depth: number) => void, start = g.root): void {
  if (start < 0) return;
  const stack: Array<[number, number]> = [[start, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v < 0) {
      visit(~v, false, depth);
      continue;
    }
    visit(v, true, depth);
    stack.push([~v, depth]);
    const ch = g.children(v);
    for (let k = ch.length - 1; k >= 0; k--) stack.push([ch[k]!, depth + 1]);
  }
}

/** Sum of `self` over each node's subtree (children before parents). */
export function subtreeSums(g: ProfileGraph, self: ArrayLike<number>): Float64Array {
  const order = preorder(g);
  const sums = Float64Array.from(self);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const p = g.parent[i]!;
    if (p >= 0) sums[p] += sums[i]!;
  }
  return sums;
}

/**
 * Per node, each function's total counted once per stack (recursion-safe): a node's subtree weight counts
 * for its key only where that key is not already on the path above it. `keyOf` maps a node to a key index.
 */
export function totalsByKey(g: ProfileGraph, subtree: ArrayLike<number>, keyOf: ArrayLike<number>, keys: number): Float64Array {
  const total = new Float64Array(keys);
  const onPath = new Int32Array(keys);
  walk(g, (i, enter) => {
    const k = keyOf[i]!;
    if (enter) {
      if (onPath[k] === 0) total[k] += subtree[i]!;
      onPath[k]!++;
    } else onPath[k]!--;
  });
  return total;
}

/**
 * A gap between two samples longer than this is a stall of the sampler (the process, or the profiler's
 * thread, was not running), not a long sample: 20 × the median interval, and at least 10 ms.
 */
export function stallThresholdUs(timeDeltas: ArrayLike<number>): number {
  const d = Float64Array.from(timeDeltas).filter((x) => x > 0).sort();
  return Math.max(10_000, d.length ? 20 * quantileSorted(d, 0.5) : 0);
}

/**
 * CPU-profile sample weights: each sample weighs the time to the next sample (the last one until
 * endTime), in µs — not hitCount × interval, since V8's effective interval drifts. A weight over
 * `stallUs` (pass `stallThresholdUs`; default: none counted) is counted in `stalls`/`stalledUs` too: on a
 * busy machine the sampler stops for hundreds of ms, and that time goes to whatever the sample before the
 * stall shows (nobody knows what ran).
 */
export function sampleWeights(profile: { startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }, g: ProfileGraph, stallUs = Infinity): { selfUs: Float64Array; samples: Uint32Array; totalUs: number; stalls: number; stalledUs: number } {
  const selfUs = new Float64Array(g.size);
  const samples = new Uint32Array(g.size);
  const n = profile.samples.length;
  const times = new Float64Array(n);
  let t = profile.startTime;
  for (let i = 0; i < n; i++) times[i] = t += Math.max(0, profile.timeDeltas[i]!);
  let totalUs = 0;
  let stalls = 0;
  let stalledUs = 0;
  for (let i = 0; i < n; i++) {
    const ni = g.index.get(profile.samples[i]!);
    if (ni === undefined) continue;
    const w = Math.max(0, (i + 1 < n ? times[i + 1]! : profile.endTime) - times[i]!);
    selfUs[ni] += w;
    samples[ni]!++;
    totalUs += w;
    if (w > stallUs) {
      stalls++;
      stalledUs += w;
    }
  }
  return { selfUs, samples, totalUs, stalls, stalledUs };
}

/** Key of a call frame: one function per (name, url, line, column). */
export function frameKey(cf: { functionName: string; url: string; lineNumber: number; columnNumber: number }): string {
  return `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
}
