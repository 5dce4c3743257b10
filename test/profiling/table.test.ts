import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { functionTable, topFunctions, timeByCategory, type CallCounts, type PositionMap } from "../../src/profiling/table";
import { readCpuProfile, parseCpuProfile, ProfileError, type CpuProfile } from "../../src/profiling/cpuprofile";
import { repoRoot } from "../helpers/cli";
import { tempDir } from "../helpers/kafka";

const fixture = path.join(__dirname, "..", "fixtures", "profiling", "workload.ts");

export function profileFixture(mode: "cpu" | "calls" | "heap"): { base: string; files: Record<string, string> } {
  const base = path.join(tempDir("perflab-prof-"), "fixture");
  const r = spawnSync(process.execPath, ["--enable-source-maps", "--import", "tsx", fixture, mode, base], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { files: Record<string, string>; errors: string[] };
  assert.deepEqual(out.errors, []);
  return { base, files: out.files };
}

const cpu = profileFixture("cpu");
const calls = profileFixture("calls");
const table = functionTable(readCpuProfile(cpu.files.cpuprofile!), {
  positions: JSON.parse(fs.readFileSync(cpu.files.sourcemap!, "utf8")) as PositionMap,
  calls: JSON.parse(fs.readFileSync(calls.files.calls!, "utf8")) as CallCounts,
  root: repoRoot,
});
const row = (name: string) => table.rows.find((r) => r.name === name && r.location.includes("workload.ts"))!;

test("a function burning ~60% of the CPU ranks first by self time, its share within ±5 points", () => {
  const top = topFunctions(table, "self", 3, ["user"]);
  assert.equal(top[0]!.name, "spin", "spin does the burning, for everybody");
  const byTotal = topFunctions(table, "total", 10, ["user"]).filter((r) => ["hot", "cold", "recurse"].includes(r.name));
  assert.equal(byTotal[0]!.name, "hot");
  assert.ok(Math.abs(row("hot").totalPct - 60) <= 5, `hot: ${row("hot").totalPct.toFixed(1)}% of busy time`);
  assert.ok(Math.abs(row("cold").totalPct - 30) <= 5, `cold: ${row("cold").totalPct.toFixed(1)}%`);
});

test("a function called exactly 10,000 times shows 10,000 calls (precise coverage, a separate run)", () => {
  assert.equal(row("counted").calls, 10_000);
  assert.equal(row("hot").calls, 30);
  assert.equal(row("recurse").calls, 30 * 201);
  assert.match(table.callsNote!, /separate repetition/);
  assert.ok(row("hot").totalMsPerCall! > 4 && row("hot").totalMsPerCall! < 9, `hot: ${row("hot").totalMsPerCall} ms per call`);
});

test("a deeply recursive function never exceeds 100% total; its total is its real share", () => {
  const r = row("recurse");
  assert.ok(r.totalPct <= 100);
  assert.ok(Math.abs(r.totalPct - 10) <= 5, `recurse: ${r.totalPct.toFixed(1)}% (naive summing would give ~${(r.totalPct * 200).toFixed(0)}%)`);
  for (const x of table.rows) assert.ok(x.category === "idle" || x.totalPct <= 100 + 1e-9, `${x.name} ${x.totalPct}`);
});

test("idle time is not charged to user code", () => {
  assert.ok(table.idleMs >= 300, `idle ${table.idleMs} ms`);
  const main = table.rows.find((r) => r.name === "main" && r.category === "user");
  const user = table.rows.filter((r) => r.category === "user").reduce((m, r) => Math.max(m, r.totalMs), 0);
  assert.ok(user <= table.busyMs + 1e-6, "no user function's total exceeds the busy time");
  if (main) assert.ok(main.totalMs < table.busyMs);
  const idle = table.rows.find((r) => r.category === "idle")!;
  assert.ok(Number.isNaN(idle.selfPct), "(idle) has no share of the busy time");
  assert.ok(Math.abs(table.totalMs - table.busyMs - table.idleMs) < 1e-6);
});

test("TypeScript positions are mapped back through source maps", () => {
  const src = fs.readFileSync(fixture, "utf8").split("\n");
  const hotLine = src.findIndex((l) => l.startsWith("export function hot")) + 1;
  assert.match(row("hot").location, new RegExp(`test/fixtures/profiling/workload\\.ts:${hotLine}:\\d+$`));
  assert.equal(row("hot").category, "user");
  const groups = timeByCategory(table).map((g) => g.group);
  assert.ok(groups.includes("user"));
});

// Hand-made profiles: exact known answers.
function profile(nodes: Array<[number, string, number[]]>, samples: number[], deltas: number[], end: number): CpuProfile {
  return {
    nodes: nodes.map(([id, name, children]) => ({ id, callFrame: { functionName: name, scriptId: 1, url: name.startsWith("(") ? "" : "file:///app/x.js", lineNumber: id, columnNumber: 0 }, children })),
    startTime: 0,
    endTime: end,
    samples,
    timeDeltas: deltas,
  };
}

test("self time weights each sample by its real duration, not hitCount × interval", () => {
  // root(1) → a(2) → b(3); root → (idle)(4). Samples at t=0,100,400,1000 µs; end 1500 µs.
  const p = profile([[1, "(root)", [2, 4]], [2, "a", [3]], [3, "b", []], [4, "(idle)", []]], [2, 3, 3, 4], [0, 100, 300, 600], 1500);
  const t = functionTable(p);
  const get = (n: string) => t.rows.find((r) => r.name === n)!;
  assert.equal(get("a").selfMs, 0.1); // 0 → 100 µs
  assert.equal(get("b").selfMs, 0.9); // 100 → 400 → 1000 µs
  assert.equal(get("a").totalMs, 1.0);
  assert.equal(t.idleMs, 0.5);
  assert.equal(t.busyMs, 1.0);
  assert.equal(get("a").totalPct, 100);
  assert.equal(get("b").selfPct, 90);
});

test("recursion: a function on its own stack is counted once per sample", () => {
  // root → f → f → f (all the same function: same url/line/col).
  const p: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", scriptId: 0, url: "", lineNumber: -1, columnNumber: -1 }, children: [2] },
      { id: 2, callFrame: { functionName: "f", scriptId: 1, url: "file:///a.js", lineNumber: 3, columnNumber: 0 }, children: [3] },
      { id: 3, callFrame: { functionName: "f", scriptId: 1, url: "file:///a.js", lineNumber: 3, columnNumber: 0 }, children: [4] },
      { id: 4, callFrame: { functionName: "f", scriptId: 1, url: "file:///a.js", lineNumber: 3, columnNumber: 0 }, children: [] },
    ],
    startTime: 0,
    endTime: 300,
    samples: [2, 3, 4],
    timeDeltas: [0, 100, 100],
  };
  const t = functionTable(p);
  assert.equal(t.rows.length, 1);
  assert.equal(t.rows[0]!.totalMs, 0.3);
  assert.equal(t.rows[0]!.selfMs, 0.3);
  assert.equal(t.rows[0]!.totalPct, 100);
});

test("categories: user code, npm packages (scoped too), Node internals, V8, GC", () => {
  const mk = (id: number, name: string, url: string) => ({ id, callFrame: { functionName: name, scriptId: id, url, lineNumber: 1, columnNumber: 1 }, children: [] as number[] });
  const nodes = [mk(2, "mine", "file:///ws/src/app.js"), mk(3, "send", "file:///ws/node_modules/kafkajs/src/producer.js"), mk(4, "x", "file:///ws/node_modules/@scope/pkg/i.js"), mk(5, "emit", "node:events"), mk(6, "(garbage collector)", ""), mk(7, "sqrt", "")];
  const p: CpuProfile = { nodes: [{ ...mk(1, "(root)", ""), children: [2, 3, 4, 5, 6, 7] }, ...nodes], startTime: 0, endTime: 600, samples: [2, 3, 4, 5, 6, 7], timeDeltas: [0, 100, 100, 100, 100, 100] };
  const t = functionTable(p, { root: "/ws" });
  const cat = (n: string) => t.rows.find((r) => r.name === n)!;
  assert.deepEqual([cat("mine").category, cat("mine").location], ["user", "src/app.js:2:2"]);
  assert.deepEqual([cat("send").category, cat("send").package], ["dependency", "kafkajs"]);
  assert.equal(cat("x").package, "@scope/pkg");
  assert.equal(cat("emit").category, "node");
  assert.equal(cat("(garbage collector)").category, "gc");
  assert.equal(t.gcMs, 0.1);
  assert.equal(cat("sqrt").category, "v8");
});

test("corrupt, truncated or foreign files give one error naming the file (and role)", () => {
  const dir = tempDir("perflab-badprof-");
  const good = fs.readFileSync(cpu.files.cpuprofile!, "utf8");
  fs.writeFileSync(path.join(dir, "trunc.cpuprofile"), good.slice(0, good.length / 2));
  assert.throws(() => readCpuProfile(path.join(dir, "trunc.cpuprofile"), { role: "consumer-0" }), (e: unknown) => e instanceof ProfileError && /trunc\.cpuprofile \(role consumer-0\) is truncated/.test(e.message));
  const heap = profileFixture("heap");
  assert.throws(() => parseCpuProfile(fs.readFileSync(heap.files.heapprofile!, "utf8"), "x.heapprofile"), /x\.heapprofile is not a V8 CPU profile: it looks like a heap profile/);
  assert.throws(() => parseCpuProfile('{"traceEvents": []}', "t.json"), /looks like a Chrome trace/);
  assert.throws(() => parseCpuProfile("[1,2]", "arr.json"), /arr\.json is not a V8 CPU profile/);
  assert.throws(() => readCpuProfile(path.join(dir, "missing.cpuprofile"), { role: "producer-0" }), /not found or not readable: the role may have exited before writing it/);
});

test("heap sampling: the top allocation site is the allocating function, in TypeScript positions", async () => {
  const { readHeapProfile, allocationTable } = await import("../../src/profiling/heap");
  const heap = profileFixture("heap");
  const positions = JSON.parse(fs.readFileSync(heap.files.sourcemap!, "utf8")) as PositionMap;
  const t = allocationTable(readHeapProfile(heap.files.heapprofile!), { positions, root: repoRoot });
  const user = t.rows.filter((r) => r.category === "user");
  const alloc = user.find((r) => r.name === "allocate")!;
  assert.ok(alloc, JSON.stringify(user.slice(0, 5)));
  // Sampled (one sample per 16 KB on average): ~4 MB measured over many runs (its 8,000 strings, in
  // String.prototype.repeat below it); half of that is far outside the sampling error.
  assert.ok(alloc.totalBytes > 2e6, `allocate: ${alloc.totalBytes} bytes`);
  assert.match(alloc.location, /workload\.ts:\d+:\d+$/);
  const gc = JSON.parse(fs.readFileSync(heap.files.gc!, "utf8"));
  assert.ok(Array.isArray(gc.pauses));
  assert.throws(() => readHeapProfile(cpu.files.cpuprofile!, { role: "producer-0" }), /role producer-0\) is not a V8 heap profile: it looks like a CPU profile/);
});
