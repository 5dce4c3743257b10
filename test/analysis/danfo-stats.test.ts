// test-kind: unit
// The notebooks' DataFrame statistics (danfojs groupby/agg) and top-N tables (sort_values/head) are the lab's
// statistics module and function tables, to 1e-9.
import { test } from "node:test";
import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import { statsFrame, topFrame } from "../../src/analysis/danfo-stats";
import { danfojs } from "../../src/analysis/frames";
import { computeStatistics } from "../../src/results/stats";
import { topFunctions, type FunctionTable, type FunctionRow } from "../../src/profiling/table";
import type { RepRow } from "../../src/results/rows";

const close = (a: number, b: number, what: string) => assert.ok((Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`);
const rowsOf = (df: ReturnType<typeof statsFrame>) => danfojs().toJSON(df, { format: "column" }) as Array<Record<string, number | string>>;

test("statsFrame: mean, σ, n and the 95% CI per configuration and metric equal computeStatistics to 1e-9", () => {
  const rng = seedrandom("frames");
  const reps: RepRow[] = [];
  const sizes: Record<string, number> = { c1: 6, c2: 4, c3: 3, c4: 2 };
  for (const [configId, n] of Object.entries(sizes)) {
    for (let rep = 1; rep <= n + 1; rep++) {
      // rep 1 is cold (left out); one errored repetition is left out too
      reps.push({ configId, label: `config ${configId}`, rep, kind: "measured", state: rep === 3 && configId === "c1" ? "errored" : "completed", producerLoopMs: 100 + 400 * rng() ** 3, produceThroughputMsgsPerSec: 20_000 * (0.5 + rng()), maxLagMsgs: rep % 3 === 0 ? 0 : Math.round(5000 * rng()) } as unknown as RepRow);
    }
  }
  const rows = rowsOf(statsFrame({ repetitions: reps }, ["producerLoopMs", "produceThroughputMsgsPerSec", "maxLagMsgs"]));
  assert.equal(rows.length, 12);
  for (const r of rows) {
    const configId = String(r.configuration).split(" ")[1]!;
    const values = reps.filter((x) => x.configId === configId && x.rep > 1 && x.state === "completed").map((x) => x[r.metric as "producerLoopMs"] as number);
    const s = computeStatistics(values, { nonNegative: true });
    assert.equal(r.n, s.n, `${configId} ${r.metric}: n`);
    close(r.mean as number, s.mean, `${configId} ${r.metric} mean`);
    close(r.std as number, s.std, `${configId} ${r.metric} std`);
    close(r.ci95Low as number, s.ci95Low, `${configId} ${r.metric} CI low`);
    close(r.ci95High as number, s.ci95High, `${configId} ${r.metric} CI high`);
  }
  assert.ok(rows.some((r) => r.configuration === "config c4" && Number.isNaN(r.ci95Low as number)), "2 warm runs: no interval");
});

test("topFrame: the top N by self time, total time and calls are topFunctions' rows, in order", () => {
  const rng = seedrandom("top");
  const cats: FunctionRow["category"][] = ["user", "lab", "dependency", "node", "gc"];
  const rows = Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, location: `x.ts:${i}`, category: cats[i % cats.length]!, calls: i % 7 === 0 ? null : Math.floor(rng() * 1e6), selfMs: rng() * 100, totalMs: 100 + rng() * 100, selfPct: 0, totalPct: 0 })) as unknown as FunctionRow[];
  const table = { rows } as FunctionTable;
  for (const by of ["self", "total", "calls"] as const) {
    for (const categories of [undefined, ["user"] as FunctionRow["category"][]]) {
      const want = topFunctions(table, by, 5, categories).map((r) => r.name);
      const got = (danfojs().toJSON(topFrame(table, by, 5, categories), { format: "column" }) as Array<{ name: string }>).map((r) => r.name);
      assert.deepEqual(got, want, `${by} ${categories ?? "all"}`);
    }
  }
});
