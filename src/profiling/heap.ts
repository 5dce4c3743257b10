import fs from "node:fs";
import { ProfileError } from "./cpuprofile";
import { categorize, displayLocation, type Category } from "./categories";
import { frameKey, profileGraph, subtreeSums, totalsByKey } from "./graph";
import type { PositionMap } from "./table";

/** V8's sampling heap profile (.heapprofile). */
export interface HeapProfileNode {
  callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export function readHeapProfile(file: string, opts: { role?: string } = {}): HeapProfile {
  const where = opts.role ? `${file} (role ${opts.role})` : file;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ProfileError(`heap profile ${where} is missing, truncated or not JSON (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  const p = data as Partial<HeapProfile> & { nodes?: unknown };
  if (!p || typeof p !== "object" || !p.head || typeof p.head !== "object") {
    throw new ProfileError(`${where} is not a V8 heap profile${p && (p as { nodes?: unknown }).nodes ? ": it looks like a CPU profile" : ""}`);
  }
  return p as HeapProfile;
}

export interface AllocationRow {
  name: string;
  location: string;
  category: Category;
  package: string | null;
  /** Bytes allocated by the function itself (sampled estimate). */
  selfBytes: number;
  /** Bytes allocated by it and everything it called (counted once per stack). */
  totalBytes: number;
  selfPct: number;
  totalPct: number;
}

/**
 * Top allocation sites of a sampling heap profile: bytes per function, self and total (recursion-safe,
 * like the CPU table). With objects collected by GC included (the lab asks V8 for them), this is
 * allocation volume — what drives GC — not only what is still alive.
 */
export function allocationTable(profile: HeapProfile, opts: { positions?: PositionMap | null; root?: string } = {}): { rows: AllocationRow[]; totalBytes: number } {
  const { nodes, frames } = flatten(profile.head);
  const g = profileGraph(nodes);
  const selfBytes = Float64Array.from(frames, (f) => f.selfSize);
  const subtree = subtreeSums(g, selfBytes);
  const keyIndex = new Map<string, number>();
  const keyOf = new Int32Array(frames.length);
  const firstOf: number[] = [];
  frames.forEach((f, i) => {
    const k = frameKey(f.callFrame);
    let ki = keyIndex.get(k);
    if (ki === undefined) {
      keyIndex.set(k, (ki = firstOf.length));
      firstOf.push(i);
    }
    keyOf[i] = ki;
  });
  const self = new Float64Array(firstOf.length);
  for (let i = 0; i < frames.length; i++) self[keyOf[i]!] += selfBytes[i]!;
  // Totals counted at each function's outermost occurrence on a path; the synthetic head is not a function.
  const total = totalsByKey(g, subtree, keyOf, firstOf.length);
  const totalBytes = subtree[0] ?? 0;
  const rows: AllocationRow[] = [];
  for (let k = 0; k < firstOf.length; k++) {
    if (firstOf[k] === 0) continue;
    const s = self[k]!;
    const t = total[k]!;
    if (s === 0 && t === 0) continue;
    rows.push(allocationRow(frames[firstOf[k]!]!.callFrame, s, t, totalBytes, opts));
  }
  rows.sort((a, b) => b.selfBytes - a.selfBytes);
  return { rows, totalBytes };
}

/** The heap profile's nested tree as a flat node list with ids (iteratively: trees can be deep). */
function flatten(head: HeapProfileNode): { nodes: Array<{ id: number; children: number[] }>; frames: HeapProfileNode[] } {
  const frames: HeapProfileNode[] = [];
  const nodes: Array<{ id: number; children: number[] }> = [];
  const stack: Array<{ n: HeapProfileNode; parent: number }> = [{ n: head, parent: -1 }];
  while (stack.length) {
    const { n, parent } = stack.pop()!;
    const id = frames.length;
    frames.push(n);
    nodes.push({ id, children: [] });
    if (parent >= 0) nodes[parent]!.children.push(id);
    for (let k = n.children.length - 1; k >= 0; k--) stack.push({ n: n.children[k]!, parent: id });
  }
  return { nodes, frames };
}

function allocationRow(cf: HeapProfileNode["callFrame"], selfBytes: number, totalBytes: number, all: number, opts: { positions?: PositionMap | null; root?: string }): AllocationRow {
  const mapped = opts.positions?.[`${cf.url}:${cf.lineNumber}:${cf.columnNumber}`] ?? null;
  const url = mapped ? mapped[0] : cf.url;
  const line = (mapped ? mapped[1] : cf.lineNumber) + 1;
  const col = (mapped ? mapped[2] : cf.columnNumber) + 1;
  const special = cf.functionName.startsWith("(") && !cf.url;
  const { category, pkg } = special ? { category: "v8" as Category, pkg: null } : categorize(url, opts.root);
  return {
    name: cf.functionName || "(anonymous)",
    location: url ? displayLocation(url, line, col, opts.root) : "",
    category,
    package: pkg,
    selfBytes,
    totalBytes,
    selfPct: all ? (100 * selfBytes) / all : 0,
    totalPct: all ? (100 * totalBytes) / all : 0,
  };
}
