/**
 * Differential profile: two function tables (before / after a change, e.g. naive vs improved sink) →
 * one row per function with self and total time before and after, absolute and relative change, and the
 * change of its share of the busy time (runs of different length compare by share). Sorted by impact.
 */
import type { Category, FunctionTable } from "./table";

export interface DiffRow {
  name: string;
  location: string;
  category: Category;
  selfBeforeMs: number;
  selfAfterMs: number;
  selfDeltaMs: number;
  /** Relative change of self time, %; Infinity for a function that is new. */
  selfDeltaPct: number;
  totalBeforeMs: number;
  totalAfterMs: number;
  totalDeltaMs: number;
  totalDeltaPct: number;
  /** Share of busy time before / after, % — and the change in percentage points. */
  selfShareBeforePct: number;
  selfShareAfterPct: number;
  selfShareDeltaPts: number;
  callsBefore: number | null;
  callsAfter: number | null;
}

export interface ProfileDiff {
  rows: DiffRow[];
  busyBeforeMs: number;
  busyAfterMs: number;
}

export function diffTables(before: FunctionTable, after: FunctionTable): ProfileDiff {
  const key = (r: { name: string; location: string }) => `${r.name}\u0000${r.location}`;
  const b = new Map(before.rows.filter((r) => r.category !== "idle").map((r) => [key(r), r]));
  const a = new Map(after.rows.filter((r) => r.category !== "idle").map((r) => [key(r), r]));
  const rel = (x: number, y: number) => (x === 0 ? (y === 0 ? 0 : Infinity) : (100 * (y - x)) / x);
  const share = (ms: number, busy: number) => (busy > 0 ? (100 * ms) / busy : 0);
  const rows: DiffRow[] = [];
  for (const k of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(k);
    const y = a.get(k);
    const r = (x ?? y)!;
    const sb = x?.selfMs ?? 0;
    const sa = y?.selfMs ?? 0;
    const tb = x?.totalMs ?? 0;
    const ta = y?.totalMs ?? 0;
    rows.push({
      name: r.name,
      location: r.location,
      category: r.category,
      selfBeforeMs: sb,
      selfAfterMs: sa,
      selfDeltaMs: sa - sb,
      selfDeltaPct: rel(sb, sa),
      totalBeforeMs: tb,
      totalAfterMs: ta,
      totalDeltaMs: ta - tb,
      totalDeltaPct: rel(tb, ta),
      selfShareBeforePct: share(sb, before.busyMs),
      selfShareAfterPct: share(sa, after.busyMs),
      selfShareDeltaPts: share(sa, after.busyMs) - share(sb, before.busyMs),
      callsBefore: x?.calls ?? null,
      callsAfter: y?.calls ?? null,
    });
  }
  rows.sort((p, q) => Math.abs(q.selfDeltaMs) - Math.abs(p.selfDeltaMs));
  return { rows, busyBeforeMs: before.busyMs, busyAfterMs: after.busyMs };
}
