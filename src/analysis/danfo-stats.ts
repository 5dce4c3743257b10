/**
 * The notebooks' statistics and top-N tables as danfojs DataFrame operations (the design card: "compute
 * mean ± std and top-N function tables with danfojs"): groupby/agg over the warm repetitions, sort_values
 * and head over function tables. The confidence interval is the lab's (modified Cox on ln x, see
 * results/stats.ts) from the aggregated mean and std of ln x; a test holds these frames to the lab's
 * statistics module within 1e-9.
 */
import type { DataFrame } from "danfojs-node";
import type { FunctionRow, FunctionTable, RankBy } from "../profiling/table";
import { REP_METRICS, type RepRow } from "../results/rows";
import { tCritical, MIN_CI_VALUES } from "../results/stats";
import { isCold, isWarm } from "../results/warm";
import type { AllocationRow } from "../profiling/heap";
import { columnsToDataFrame, danfojs, toDataFrame } from "./frames";

type RunLike = { repetitions: RepRow[]; configurations?: Array<{ id: string; label: string }> };

/** A DataFrame's rows as plain objects (danfojs's own toJSON): for lookups and tables in notebooks. */
export function frameRows<T = Record<string, unknown>>(df: DataFrame): T[] {
  return danfojs().toJSON(df, { format: "column" }) as T[];
}

/** Columns of a DataFrame as plain arrays (danfojs's own toJSON, column format). */
function columns(df: DataFrame): Record<string, unknown[]> {
  const rows = danfojs().toJSON(df, { format: "column" }) as Array<Record<string, unknown>>;
  const out: Record<string, unknown[]> = {};
  for (const c of df.columns) out[c] = rows.map((r) => r[c]);
  return out;
}

/**
 * mean, σ (n − 1), n and the 95% CI of the mean per configuration and metric, over the warm repetitions:
 * one row per (configuration, metric). `metrics` are REP_METRICS keys (default: the loops and throughputs).
 */
export function statsFrame(run: RunLike, metrics: string[] = ["producerLoopMs", "consumerLoopMs", "produceThroughputMsgsPerSec", "consumeThroughputMsgsPerSec"]): DataFrame {
  const warm = run.repetitions.filter(isWarm);
  const label = (r: RepRow) => run.configurations?.find((c) => c.id === r.configId)?.label ?? r.label;
  const out: Array<Record<string, unknown>> = [];
  for (const m of metrics) {
    const value = (r: RepRow) => r[m as keyof RepRow] as unknown;
    const rows = warm.filter((r) => typeof value(r) === "number" && Number.isFinite(value(r) as number));
    if (rows.length === 0) continue;
    // ln x of positive values only (a 0 — no lag, nothing lost — has no logarithm; such groups get a t interval).
    const df = toDataFrame(rows.map((r) => ({ configuration: label(r), value: value(r) as number, lnValue: (value(r) as number) > 0 ? Math.log(value(r) as number) : 0 })));
    const agg = columns(df.groupby(["configuration"]).agg({ value: ["mean", "std", "count", "min"], lnValue: ["mean", "std"] }));
    const def = REP_METRICS.find((d) => d.key === m);
    (agg.configuration ?? []).forEach((c, i) => {
      const n = agg.value_count![i] as number;
      const mean = agg.value_mean![i] as number;
      const std = n > 1 ? (agg.value_std![i] as number) : NaN;
      const ci = (agg.value_min![i] as number) > 0 ? logNormalInterval(agg.lnValue_mean![i] as number, agg.lnValue_std![i] as number, n) : tIntervalAboveZero(mean, std, n);
      out.push({ configuration: c, metric: m, what: def?.label ?? m, unit: def?.unit ?? "", n, mean, std, ci95Low: ci.low, ci95High: ci.high });
    });
  }
  return toDataFrame(out);
}

/** The modified Cox interval from the mean and sample std of ln x (results/stats.ts computes the same from the values). */
function logNormalInterval(ybar: number, s: number, n: number): { low: number; high: number } {
  if (n < MIN_CI_VALUES) return { low: NaN, high: NaN };
  const s2 = s * s;
  const half = tCritical(0.95, n - 1) * Math.sqrt(s2 / n + (s2 * s2) / (2 * (n - 1)));
  return { low: Math.exp(ybar + s2 / 2 - half), high: Math.exp(ybar + s2 / 2 + half) };
}

/** A t interval for a group with a 0 among its values, if it stays at or above 0 (the stats module's policy). */
function tIntervalAboveZero(mean: number, std: number, n: number): { low: number; high: number } {
  if (n < MIN_CI_VALUES) return { low: NaN, high: NaN };
  const half = (tCritical(0.95, n - 1) * std) / Math.sqrt(n);
  return mean - half >= 0 ? { low: mean - half, high: mean + half } : { low: NaN, high: NaN };
}

/** The top `n` functions of a table by self time, total time or calls, optionally of some categories only: filter, sort_values, head. */
export function topFrame(table: FunctionTable, by: RankBy, n = 10, categories?: FunctionRow["category"][]): DataFrame {
  const rows = table.rows.filter((r) => r.category !== "idle" && (!categories || categories.includes(r.category)));
  const key = by === "self" ? "selfMs" : by === "total" ? "totalMs" : "calls";
  const df = columnsToDataFrame({
    name: rows.map((r) => r.name),
    location: rows.map((r) => r.location),
    category: rows.map((r) => r.category),
    calls: rows.map((r) => r.calls ?? -1),
    selfMs: rows.map((r) => r.selfMs),
    totalMs: rows.map((r) => r.totalMs),
    selfPct: rows.map((r) => r.selfPct),
    totalPct: rows.map((r) => r.totalPct),
  });
  if (rows.length === 0) return df;
  return df.sortValues(key, { ascending: false }).head(n);
}

/** The pass of a repetition: its configuration's first (cold) run or a warm one (results/warm.ts's rule). */
export type Pass = "cold (1st run)" | "warm";

/**
 * One row per completed repetition that statistics use — the cold first run (measured or a warm-up) and
 * the warm runs — with configuration, rep, pass (cold / warm) and the given
 * RepRow columns — for the notebooks' own groupby/agg (sums of lost messages per producer, throughput
 * per try).
 */
export function repetitionFrame(run: RunLike, columns: string[]): DataFrame {
  const label = (r: RepRow) => run.configurations?.find((c) => c.id === r.configId)?.label ?? r.label;
  // The cold first run (a warm-up or the first measured one) and the warm runs: what statistics are made of.
  const rows = run.repetitions.filter((r) => r.state === "completed" && (isCold(r) || isWarm(r)));
  const data: Record<string, unknown[]> = {
    configuration: rows.map(label),
    rep: rows.map((r) => r.rep),
    pass: rows.map((r): Pass => (isCold(r) ? "cold (1st run)" : "warm")),
  };
  for (const c of columns) data[c] = rows.map((r) => {
    const v = r[c as keyof RepRow];
    return typeof v === "number" ? v : NaN;
  });
  return columnsToDataFrame(data);
}

/**
 * The cold first run beside the warm runs: mean of each metric (`<metric>_mean`) and the number of runs (`runs`) per
 * configuration and pass (groupby(["configuration", "pass"]).agg). The cold pass is one run; compare its value with
 * the warm mean and σ (statsFrame) rather than reading a difference of means.
 */
export function passFrame(run: RunLike, metrics: string[]): DataFrame {
  const df = repetitionFrame(run, metrics);
  if (df.shape[0] === 0) return df;
  const spec: Record<string, string[]> = {};
  metrics.forEach((m, i) => (spec[m] = i === 0 ? ["mean", "count"] : ["mean"]));
  return df.groupby(["configuration", "pass"]).agg(spec).rename({ [`${metrics[0]}_count`]: "runs" }).sortValues("configuration");
}

/** The top `n` allocation sites by self bytes (MiB), optionally of some categories only: filter, sort_values, head. */
export function allocationFrame(rows: AllocationRow[], n = 10, categories?: AllocationRow["category"][]): DataFrame {
  const kept = rows.filter((r) => !categories || categories.includes(r.category));
  const df = columnsToDataFrame({
    name: kept.map((r) => r.name),
    location: kept.map((r) => r.location),
    category: kept.map((r) => r.category),
    selfMiB: kept.map((r) => r.selfBytes / 2 ** 20),
    selfPct: kept.map((r) => r.selfPct),
    totalMiB: kept.map((r) => r.totalBytes / 2 ** 20),
  });
  if (kept.length === 0) return df;
  return df.sortValues("selfMiB", { ascending: false }).head(n);
}

/** GC pauses per kind (minor, major, …): count, total, mean and longest pause in ms (groupby("kind").agg). */
export function gcPauseFrame(pauses: Array<{ kind: string; durationMs: number }>): DataFrame {
  const df = columnsToDataFrame({ kind: pauses.map((p) => p.kind), pauseMs: pauses.map((p) => p.durationMs) });
  if (pauses.length === 0) return df;
  return df
    .groupby(["kind"])
    .agg({ pauseMs: ["count", "sum", "mean", "max"] })
    .rename({ pauseMs_count: "pauses", pauseMs_sum: "total (ms)", pauseMs_mean: "mean (ms)", pauseMs_max: "longest (ms)" })
    .sortValues("total (ms)", { ascending: false });
}

/**
 * Self time per group of a function table — your code, lab, each npm package, node, V8, GC — largest first
 * (groupby("group").agg sum, sort_values, head): timeByCategory as a DataFrame, in ms and % of busy time.
 */
export function categoryFrame(table: FunctionTable, n = 10): DataFrame {
  const rows = table.rows.filter((r) => r.category !== "idle");
  const df = columnsToDataFrame({ group: rows.map((r) => (r.category === "dependency" ? `dependency: ${r.package}` : r.category)), selfMs: rows.map((r) => r.selfMs) });
  if (rows.length === 0) return df;
  const sums = df.groupby(["group"]).agg({ selfMs: ["sum"] }).rename({ selfMs_sum: "selfMs" });
  const ms = sums.column("selfMs").values as number[];
  sums.addColumn("selfPct", ms.map((v) => (table.busyMs > 0 ? (100 * v) / table.busyMs : 0)), { inplace: true });
  return sums.sortValues("selfMs", { ascending: false }).head(n);
}

/** The `n` functions whose self time changed most between two profiles (by |Δ|: sort_values, head) of a diffTables result. */
export function diffFrame(diff: { rows: Array<{ name: string; location: string; selfBeforeMs: number; selfAfterMs: number; selfDeltaMs: number; selfShareDeltaPts: number }> }, n = 10): DataFrame {
  const r = diff.rows;
  const df = columnsToDataFrame({
    name: r.map((x) => x.name),
    location: r.map((x) => x.location),
    selfBeforeMs: r.map((x) => x.selfBeforeMs),
    selfAfterMs: r.map((x) => x.selfAfterMs),
    selfDeltaMs: r.map((x) => x.selfDeltaMs),
    selfShareDeltaPts: r.map((x) => x.selfShareDeltaPts),
    changeMs: r.map((x) => Math.abs(x.selfDeltaMs)),
  });
  if (r.length === 0) return df;
  return df.sortValues("changeMs", { ascending: false }).head(n).drop({ columns: ["changeMs"] });
}
