// test-kind: unit
// The notebooks' DataFrame statistics (danfojs groupby/agg) and top-N tables (sort_values/head) are the lab's
// statistics module and function tables, to 1e-9.
import { test } from "node:test";
import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import { allocationFrame, categoryFrame, diffFrame, gcPauseFrame, passFrame, repetitionFrame, statsFrame, topFrame } from "../../src/analysis/danfo-stats";
import { diffTables } from "../../src/profiling/diff";
import type { AllocationRow } from "../../src/profiling/heap";
import { danfojs } from "../../src/analysis/frames";
import { computeStatistics } from "../../src/results/stats";
import { timeByCategory, topFunctions, type FunctionTable, type FunctionRow } from "../../src/profiling/table";
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

test("passFrame: the cold first run (measured or a warm-up) beside the mean of the warm runs, per configuration", () => {
  const rng = seedrandom("pass");
  const reps: RepRow[] = [];
  for (const configId of ["c1", "c2"]) {
    for (let rep = 1; rep <= 5; rep++) reps.push({ configId, label: configId, rep, kind: rep === 5 ? "profile" : rep === 1 && configId === "c2" ? "warmup" : "measured", state: "completed", e2eLatencyP50Ms: 1 + rng() * 10, e2eLatencyP99Ms: 20 + rng() * 10 } as unknown as RepRow);
  }
  const rows = rowsOf(passFrame({ repetitions: reps }, ["e2eLatencyP50Ms", "e2eLatencyP99Ms"]));
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const mine = reps.filter((x) => x.configId === r.configuration && (r.pass === "warm" ? x.kind === "measured" && x.rep > 1 : x.rep === 1)); // c2's cold run is a warm-up
    assert.equal(r.runs, r.pass === "warm" ? 3 : 1, `${r.configuration} ${r.pass}: runs`);
    for (const m of ["e2eLatencyP50Ms", "e2eLatencyP99Ms"] as const) close(r[`${m}_mean`] as number, computeStatistics(mine.map((x) => x[m] as number)).mean, `${r.configuration} ${r.pass} ${m}`);
  }
});

test("repetitionFrame: one row per completed measured repetition, sums by configuration equal the rows'", () => {
  const reps = [1, 2, 3].flatMap((rep) => ["a", "b"].map((configId) => ({ configId, label: configId, rep, kind: "measured", state: rep === 2 && configId === "b" ? "errored" : "completed", lost: rep * (configId === "a" ? 7 : 0), acked: 1000 }) as unknown as RepRow));
  const df = repetitionFrame({ repetitions: reps }, ["lost", "acked"]);
  assert.equal(df.shape[0], 5);
  const sums = rowsOf(df.groupby(["configuration"]).agg({ lost: ["sum"], acked: ["sum", "count"] }));
  assert.deepEqual(sums.map((r) => [r.configuration, r.lost_sum, r.acked_sum, r.acked_count]).sort(), [["a", 42, 3000, 3], ["b", 0, 2000, 2]]);
});

test("allocationFrame and gcPauseFrame: top sites by self MiB in order, pauses per kind counted and summed", () => {
  const rng = seedrandom("alloc");
  const cats: AllocationRow["category"][] = ["user", "lab", "dependency", "node"];
  const rows = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, location: `x.ts:${i}`, category: cats[i % 4]!, package: null, selfBytes: Math.floor(rng() * 2 ** 24), totalBytes: 2 ** 25, selfPct: 0, totalPct: 0 }));
  for (const categories of [undefined, ["user"] as AllocationRow["category"][]]) {
    const want = rows.filter((r) => !categories || categories.includes(r.category)).sort((a, b) => b.selfBytes - a.selfBytes).slice(0, 6);
    const got = rowsOf(allocationFrame(rows, 6, categories));
    assert.deepEqual(got.map((r) => r.name), want.map((r) => r.name));
    got.forEach((r, i) => close(r.selfMiB as number, want[i]!.selfBytes / 2 ** 20, `${r.name} MiB`));
  }
  const pauses = Array.from({ length: 50 }, (_, i) => ({ kind: i % 5 === 0 ? "major" : "minor", durationMs: 0.1 + rng() * (i % 5 === 0 ? 20 : 2) }));
  const gc = rowsOf(gcPauseFrame(pauses));
  for (const kind of ["major", "minor"]) {
    const mine = pauses.filter((p) => p.kind === kind).map((p) => p.durationMs);
    const r = gc.find((x) => x.kind === kind)!;
    assert.equal(r.pauses, mine.length, `${kind} count`);
    close(r["total (ms)"] as number, mine.reduce((a, b) => a + b, 0), `${kind} total`);
    close(r["longest (ms)"] as number, Math.max(...mine), `${kind} longest`);
  }
});

test("categoryFrame is timeByCategory (groups, order, ms and %) and diffFrame the top of diffTables by |Δ|, to 1e-9", () => {
  const rng = seedrandom("groups");
  const cats: FunctionRow["category"][] = ["user", "lab", "dependency", "node", "gc", "idle"];
  const table = (seed: number) => {
    const r = seedrandom(`t${seed}`);
    const rows = Array.from({ length: 80 }, (_, i) => ({ name: `f${i % 50}`, location: `x.ts:${i % 50}`, category: cats[i % cats.length]!, package: i % 6 === 2 ? ["kafkajs", "papaparse", "lz4js"][i % 3]! : null, calls: null, selfMs: r() * 100, totalMs: 200, selfPct: 0, totalPct: 0 })) as unknown as FunctionRow[];
    return { rows, busyMs: 5000 * (0.5 + rng()) } as FunctionTable;
  };
  const t = table(1);
  const want = timeByCategory(t).slice(0, 6);
  const got = rowsOf(categoryFrame(t, 6));
  assert.deepEqual(got.map((r) => r.group), want.map((w) => w.group));
  got.forEach((r, i) => {
    close(r.selfMs as number, want[i]!.selfMs, `${r.group} ms`);
    close(r.selfPct as number, want[i]!.selfPct, `${r.group} %`);
  });
  const diff = diffTables(table(2), table(3));
  assert.deepEqual(rowsOf(diffFrame(diff, 8)).map((r) => [r.name, r.location]), diff.rows.slice(0, 8).map((r) => [r.name, r.location]));
  rowsOf(diffFrame(diff, 8)).forEach((r, i) => close(r.selfDeltaMs as number, diff.rows[i]!.selfDeltaMs, `${r.name} Δ`));
});
