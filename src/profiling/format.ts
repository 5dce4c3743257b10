import type { DiffRow } from "./diff";
import type { FunctionRow, FunctionTable, RankBy } from "./table";

import { formatMsCompact as ms, formatPercent as pct } from "../util/format";

/**
 * A pstats-like text table (ncalls, tottime, percall, cumtime, percall) in milliseconds, with the shares
 * of the busy time and where each function is. Hand-written column layout: a dozen lines.
 */
export function formatFunctionRows(rows: FunctionRow[]): string {
  const head = ["ncalls", "tottime ms", "percall", "cumtime ms", "percall", "self%", "total%", "function", "location"];
  const body = rows.map((r) => [r.calls === null ? "–" : String(r.calls), ms(r.selfMs), ms(r.selfMsPerCall), ms(r.totalMs), ms(r.totalMsPerCall), pct(r.selfPct), pct(r.totalPct), r.name, r.location || `(${r.category})`]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((c, i) => (i < 7 ? c.padStart(widths[i]!) : i === 7 ? c.padEnd(widths[i]!) : c)).join("  ")).join("\n");
}

export function formatTableHeader(t: FunctionTable, title: string, by: RankBy): string {
  const what = by === "self" ? "self time (tottime)" : by === "total" ? "total time (cumtime, recursion counted once)" : "calls (ncalls)";
  return [
    `${title} — ${ms(t.busyMs)} ms busy, ${ms(t.idleMs)} ms idle, GC ${ms(t.gcMs)} ms · ${t.samples} samples, mean interval ${t.meanIntervalUs.toFixed(0)} µs`,
    ...(t.stalls > 0 ? [stallNote(t)] : []),
    `sorted by ${what}; % of busy time; ${t.callsNote ? `ncalls: ${t.callsNote}` : "ncalls: none (add --profile calls)"}`,
  ].join("\n");
}

/** One line when the sampler stalled (a busy machine): how much of the profile's time nobody sampled. */
export function stallNote(t: FunctionTable): string {
  const share = t.sampledMs > 0 ? (100 * t.stalledMs) / t.sampledMs : 0;
  return `sampler stalled ${t.stalls}× for ${ms(t.stalledMs)} ms (${pct(share)} of the profile): each stall is charged to the sample before it — on a busy machine, sample counts are steadier than times`;
}

export function formatDiffRows(rows: DiffRow[]): string {
  const head = ["self before", "self after", "Δ self ms", "Δ self %", "share Δ pts", "function", "location"];
  const rel = (x: number) => (x === Infinity ? "new" : Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(0)}%` : "–");
  const body = rows.map((r) => [ms(r.selfBeforeMs), ms(r.selfAfterMs), `${r.selfDeltaMs >= 0 ? "+" : ""}${ms(r.selfDeltaMs)}`, rel(r.selfDeltaPct), `${r.selfShareDeltaPts >= 0 ? "+" : ""}${r.selfShareDeltaPts.toFixed(1)}`, r.name, r.location || `(${r.category})`]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((c, i) => (i < 5 ? c.padStart(widths[i]!) : i === 5 ? c.padEnd(widths[i]!) : c)).join("  ")).join("\n");
}
