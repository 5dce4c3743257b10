// test-duration: ~110 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runExperiment } from "../../src/run";
import { runFunctionTable, runProfiles, diffTables } from "../../src/profiling";
import { repoRoot, runCli } from "../helpers/cli";
import { tempDir, testKafka } from "../helpers/kafka";

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

test("the example pipeline with --profile cpu,calls,heap,flamegraph: every role gets each profile; tables name the user's TypeScript", { timeout: 600_000 }, async () => {
  const { stateDir } = await testKafka();
  const workspace = tempDir("perflab-prof-run-");
  const r = await runCli(["run", "examples/ratings/pipeline.yaml", "--quick", "--profile", "cpu,calls,heap,flamegraph", "--set", "workload.messages=800"], {
    env: { PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace },
    timeoutMs: 580_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim().split("\n").at(-1)!;
  const profiles = runProfiles(runDir);
  assert.deepEqual(profiles.map((p) => p.roleId).sort(), ["consumer-0", "producer-0", "producer-1"]);
  for (const p of profiles) {
    for (const kind of ["cpuprofile", "calls", "heapprofile", "flamegraph"] as const) {
      assert.ok(p[kind] && fs.existsSync(p[kind]!), `${p.roleId}: ${kind}`);
      assert.ok(p[kind]!.startsWith(path.join(workspace, "profiles")), `${p.roleId}: ${kind} under profiles/<runId>/`);
    }
    assert.deepEqual(p.errors, []);
  }
  assert.ok(fs.existsSync(path.join(workspace, "profiles", path.basename(runDir), "consumer-0-c1-rep4.cpuprofile")), "named <role>-<config>-<rep>.cpuprofile");
  const manifest = readJson(path.join(runDir, "manifest.json"));
  assert.deepEqual(manifest.collectorCost.map((c: { collector: string }) => c.collector), ["cpu+heap", "calls (precise coverage)", "flamegraph (0x)"]);
  for (const c of manifest.collectorCost) assert.ok(c.produceRatio > 0 && c.consumeRatio > 0, JSON.stringify(c));

  // The consumer's table: the user's handler, mapped back to its TypeScript line, with exact calls.
  const table = runFunctionTable(runDir, { role: "consumer" });
  const handle = table.rows.find((x) => x.name === "handle" && x.location.startsWith("examples/ratings/mean-processor.ts"))!;
  const src = fs.readFileSync(path.join(repoRoot, "examples", "ratings", "mean-processor.ts"), "utf8").split("\n");
  assert.equal(handle.line, src.findIndex((l) => l.startsWith("export async function handle")) + 1);
  // handle is async and awaits: ncalls must be its invocations — one per message received — not its resumptions.
  const receivedInCallsRep = (readJson(path.join(runDir, "repetitions.json")) as Array<{ kind: string; received: number }>).find((x) => x.kind === "calls")!.received;
  assert.ok(receivedInCallsRep > 0);
  assert.equal(handle.calls, receivedInCallsRep, `handle ${handle.calls} calls for ${receivedInCallsRep} messages received`);

  const cli = await runCli(["profile", runDir, "--role", "consumer", "--by", "calls", "--only", "user", "--top", "5"], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /ncalls\s+tottime ms\s+percall\s+cumtime ms\s+percall\s+self%\s+total%\s+function\s+location/);
  assert.match(cli.stdout, /sorted by calls \(ncalls\)/);
});

test("differential profile of the naive vs the improved sink: the CSV rewrite disappears", { timeout: 600_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-diff-");
  const run = await runExperiment(path.join(repoRoot, "examples", "ratings", "sink.yaml"), {
    quick: true,
    sets: ["workload.messages=600", "repetitions=1", "profile.cpu=true", "profile.roles=[consumer]"],
    connection: conn,
    reportsDir: out,
    profilesDir: out,
    progress: "none",
  });
  assert.equal(run.state, "completed", run.error ?? "");
  const naive = runFunctionTable(run.runDir, { configId: "c1", role: "consumer" });
  const improved = runFunctionTable(run.runDir, { configId: "c2", role: "consumer" });
  const d = diffTables(naive, improved);
  const top = d.rows.slice(0, 10);
  assert.ok(top.some((r) => r.selfDeltaMs < 0 && (r.category === "dependency" || /movies-table|sink-naive|writeFileSync|readFileSync/.test(r.location + r.name))), JSON.stringify(top.map((r) => [r.name, r.location, r.selfDeltaMs])));
  assert.ok(d.rows[0]!.selfDeltaMs < 0, "the largest change is a saving");
  const rewrite = naive.rows.find((r) => r.name === "handle" && r.location.includes("sink-naive.ts"))!;
  assert.ok(rewrite.totalMs > 0);
});

test("a role that dies before its profile is written: the profiling repetition fails naming the role; measured results stay", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-dies-");
  const run = await runExperiment(
    { name: "dies", workload: { messages: 300 }, consumers: { handler: "./exit-in-third-rep.ts" }, repetitions: 2, warmup: 0, profile: { cpu: true, roles: ["consumer"] } },
    { baseDir: path.join(__dirname, "..", "fixtures", "user"), connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  const reps = run.repetitions;
  assert.deepEqual(reps.map((r) => [r.kind, r.state]), [["measured", "completed"], ["measured", "completed"], ["profile", "errored"]]);
  assert.match(reps[2]!.error!, /consumer-0 \(pid \d+\) exited with code 7/);
  assert.throws(() => runFunctionTable(run.runDir, { role: "consumer" }), /no cpuprofile .* for any configuration \/ consumer/);
  assert.equal(run.summaries.find((s) => s.metric === "producerLoopMs")!.n, 1, "the warm measured repetition is kept");
});

test("0x failing: the flamegraph repetition reports it for the role; the run's other results are kept", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-0x-");
  const prev = process.env.PERFLAB_0X;
  process.env.PERFLAB_0X = path.join(__dirname, "..", "fixtures", "failing-0x.js");
  try {
    const run = await runExperiment(
      { name: "no-0x", workload: { messages: 200 }, repetitions: 2, warmup: 0, profile: { flamegraph: true, roles: ["producer"] } },
      { connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
    );
    const manifest = readJson(path.join(run.runDir, "manifest.json"));
    const flame = manifest.profiles.find((p: { kind: string }) => p.kind === "flamegraph");
    assert.match(flame.errors[0], /0x wrote no flamegraph for producer-0 \(c1, rep 3\)/);
    assert.equal(run.repetitions.filter((r) => r.kind === "measured" && r.state === "completed").length, 2);
    const rep3 = manifest.repetitions.find((r: { rep: number }) => r.rep === 3);
    assert.equal(rep3.state, "errored");
    assert.match(rep3.error, /producer-0 .*exited with code 1/);
  } finally {
    if (prev === undefined) delete process.env.PERFLAB_0X;
    else process.env.PERFLAB_0X = prev;
  }
});
