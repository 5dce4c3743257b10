import fs from "node:fs";
import { InputError } from "../errors";
import { workspaceRoot } from "../paths";
import { readManifest } from "../results/load";
import { readCpuProfile } from "./cpuprofile";
import { callTree, type CallTree } from "./calltree";
import { allocationTable, readHeapProfile, type AllocationRow } from "./heap";
import { mapPositionsFromFiles } from "./sourcemap";
import { functionTable, type CallCounts, type FunctionTable, type PositionMap } from "./table";

/** Every profile file of one role in one configuration of a run. */
export interface RoleProfiles {
  configId: string;
  roleId: string;
  cpuprofile: string | null;
  calls: string | null;
  heapprofile: string | null;
  gc: string | null;
  flamegraph: string | null;
  sourcemaps: string[];
  errors: string[];
}


/** The profiles a run collected, grouped per configuration and role. */
export function runProfiles(runDir: string): RoleProfiles[] {
  const out = new Map<string, RoleProfiles>();
  for (const p of readManifest(runDir).profiles ?? []) {
    const k = `${p.configId}/${p.roleId}`;
    let r = out.get(k);
    if (!r) out.set(k, (r = { configId: p.configId, roleId: p.roleId, cpuprofile: null, calls: null, heapprofile: null, gc: null, flamegraph: null, sourcemaps: [], errors: [] }));
    r.cpuprofile ??= p.files.cpuprofile ?? null;
    r.calls ??= p.files.calls ?? null;
    r.heapprofile ??= p.files.heapprofile ?? null;
    r.gc ??= p.files.gc ?? null;
    r.flamegraph ??= p.files.flamegraph ?? null;
    if (p.files.sourcemap) r.sourcemaps.push(p.files.sourcemap);
    r.errors.push(...p.errors.map((e) => `${p.kind} repetition ${p.rep}: ${e}`));
  }
  return [...out.values()];
}

function pick(runDir: string, sel: { configId?: string; role?: string }, need: keyof RoleProfiles): RoleProfiles {
  const all = runProfiles(runDir);
  const match = all.filter((p) => (!sel.configId || p.configId === sel.configId) && (!sel.role || p.roleId === sel.role || p.roleId.startsWith(`${sel.role}-`)) && p[need]);
  if (match.length === 0) {
    const have = all.map((p) => `${p.configId}/${p.roleId}`).join(", ") || "none";
    throw new InputError("NO_PROFILE", `no ${need} in ${runDir} for ${sel.configId ?? "any configuration"} / ${sel.role ?? "any role"} (profiles: ${have}); run with --profile`, { field: need });
  }
  return match[0]!;
}

/** Source-map positions collected in the roles, merged, plus maps found next to compiled files on disk. */
export function positionsOf(p: RoleProfiles, frames: Array<{ url: string; lineNumber: number; columnNumber: number }> = []): PositionMap {
  const out: PositionMap = mapPositionsFromFiles(frames);
  for (const f of p.sourcemaps) Object.assign(out, JSON.parse(fs.readFileSync(f, "utf8")) as PositionMap);
  return out;
}

/** The function table of one role of a run: its CPU profile plus call counts from the calls repetition. */
export function runFunctionTable(runDir: string, sel: { configId?: string; role?: string } = {}): FunctionTable & { configId: string; roleId: string } {
  const p = pick(runDir, sel, "cpuprofile");
  const profile = readCpuProfile(p.cpuprofile!, { role: p.roleId });
  const calls = p.calls ? (JSON.parse(fs.readFileSync(p.calls, "utf8")) as CallCounts) : null;
  const table = functionTable(profile, { calls, positions: positionsOf(p, profile.nodes.map((n) => n.callFrame)), root: workspaceRoot() });
  return { ...table, configId: p.configId, roleId: p.roleId };
}

export function runCallTree(runDir: string, sel: { configId?: string; role?: string; maxDepth?: number; minPct?: number } = {}): CallTree {
  const p = pick(runDir, sel, "cpuprofile");
  const profile = readCpuProfile(p.cpuprofile!, { role: p.roleId });
  return callTree(profile, { positions: positionsOf(p, profile.nodes.map((n) => n.callFrame)), root: workspaceRoot(), maxDepth: sel.maxDepth, minPct: sel.minPct });
}

export function runAllocationTable(runDir: string, sel: { configId?: string; role?: string } = {}): { rows: AllocationRow[]; totalBytes: number; configId: string; roleId: string } {
  const p = pick(runDir, sel, "heapprofile");
  const t = allocationTable(readHeapProfile(p.heapprofile!, { role: p.roleId }), { positions: positionsOf(p), root: workspaceRoot() });
  return { ...t, configId: p.configId, roleId: p.roleId };
}

/** GC pauses of one role's heap-profiled repetition (seconds from the window's start), for memoryFigure. */
export function runGcPauses(runDir: string, sel: { configId?: string; role?: string } = {}): Array<{ atSec: number; durationMs: number; kind: string }> {
  const p = runProfiles(runDir).find((x) => x.gc && (!sel.configId || x.configId === sel.configId) && (!sel.role || x.roleId === sel.role || x.roleId.startsWith(`${sel.role}-`)));
  if (!p) return [];
  const data = JSON.parse(fs.readFileSync(p.gc!, "utf8")) as { pauses: Array<{ atMs: number; durationMs: number; kind: string }> };
  return data.pauses.map((g) => ({ atSec: g.atMs / 1000, durationMs: g.durationMs, kind: g.kind }));
}
