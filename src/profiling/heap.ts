import fs from "node:fs";
import { ProfileError } from "./cpuprofile";
import { categorize, type Category, type PositionMap } from "./table";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const frames = new Map<string, HeapProfileNode["callFrame"]>();
  const keyOf = (cf: HeapProfileNode["callFrame"]) => `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
  // Subtree sizes, then each function's total counted at its outermost occurrence on a path.
  const subtree = new Map<HeapProfileNode, number>();
  const post = (n: HeapProfileNode): number => {
    let s = n.selfSize;
    for (const c of n.children) s += post(c);
    subtree.set(n, s);
    return s;
  };
  const totalBytes = post(profile.head);
  const onPath = new Map<string, number>();
  const visit = (n: HeapProfileNode) => {
    const k = keyOf(n.callFrame);
    frames.set(k, n.callFrame);
    self.set(k, (self.get(k) ?? 0) + n.selfSize);
    const depth = onPath.get(k) ?? 0;
    if (depth === 0) total.set(k, (total.get(k) ?? 0) + subtree.get(n)!);
    onPath.set(k, depth + 1);
    for (const c of n.children) visit(c);
    onPath.set(k, depth);
  };
  for (const c of profile.head.children) visit(c);
  const rows: AllocationRow[] = [];
  for (const [k, cf] of frames) {
    const s = self.get(k) ?? 0;
    const t = total.get(k) ?? 0;
    if (s === 0 && t === 0) continue;
    const mapped = opts.positions?.[`${cf.url}:${cf.lineNumber}:${cf.columnNumber}`] ?? null;
    const url = mapped ? mapped[0] : cf.url;
    const line = (mapped ? mapped[1] : cf.lineNumber) + 1;
    const col = (mapped ? mapped[2] : cf.columnNumber) + 1;
    const special = cf.functionName.startsWith("(") && !cf.url;
    const { category, pkg } = special ? { category: "v8" as Category, pkg: null } : categorize(url, opts.root);
    const p = url.startsWith("file:") ? fileURLToPath(url) : url;
    const shown = opts.root && p.startsWith(opts.root + path.sep) ? path.relative(opts.root, p) : p;
    rows.push({
      name: cf.functionName || "(anonymous)",
      location: url ? `${shown}:${line}:${col}` : "",
      category,
      package: pkg,
      selfBytes: s,
      totalBytes: t,
      selfPct: totalBytes ? (100 * s) / totalBytes : 0,
      totalPct: totalBytes ? (100 * t) / totalBytes : 0,
    });
  }
  rows.sort((a, b) => b.selfBytes - a.selfBytes);
  return { rows, totalBytes };
}
