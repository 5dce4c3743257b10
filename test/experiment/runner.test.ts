// test-duration: ~55 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runExperiment } from "../../src/run";
import { parseCsv } from "../../src/results";
import { errorLines, repoRoot, runCli } from "../helpers/cli";
import { tempDir, testKafka } from "../helpers/kafka";

const fixtures = path.join(__dirname, "..", "fixtures", "user");
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

test("`perflab run --quick` of a 3×3 matrix (acks × lingerMs): summaries, cold apart, exact accounting", { timeout: 600_000 }, async () => {
  const { stateDir } = await testKafka();
  const workspace = tempDir("perflab-ws-");
  const r = await runCli(["run", "examples/producer-config.yaml", "--quick", "--set", "workload.messages=1500"], {
    env: { PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace },
    timeoutMs: 580_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim().split("\n").at(-1)!;
  assert.ok(runDir.startsWith(path.join(workspace, "reports")), runDir);

  const manifest = readJson(path.join(runDir, "manifest.json"));
  assert.equal(manifest.state, "completed");
  assert.equal(manifest.configurations.length, 9);
  assert.equal(manifest.spec.workload.messages, 1500, "--set applied on top of --quick");
  assert.match(manifest.environment.kafka, /^4\./);
  assert.ok(manifest.environment.node && manifest.environment.clients.kafkajs && manifest.environment.cpu.model);
  assert.equal(manifest.repetitions.length, 27);
  const failed = (manifest.repetitions as Array<{ configId: string; rep: number; state: string; error?: string }>).filter((x) => x.state !== "completed");
  assert.deepEqual(failed.map((x) => `${x.configId} rep ${x.rep}: ${x.state} ${x.error ?? ""}`), [], r.stderr);

  const summary = readJson(path.join(runDir, "summary.json")) as Array<Record<string, unknown>>;
  const loops = summary.filter((s) => s.metric === "producerLoopMs");
  assert.equal(loops.length, 9);
  for (const s of loops) {
    for (const field of ["n", "mean", "std", "min", "p50", "p95", "p99", "p999", "max", "cold"]) {
      assert.equal(typeof s[field], "number", `${s.configId} ${field}`);
    }
    assert.equal(s.n, 2, "quick: 3 repetitions, the first reported apart as cold");
    // Two warm runs give no confidence interval (Student's t would be 12.7): none is written, and it says why.
    assert.equal(s.ciMethod, "none");
    assert.equal(s.ci95Low, null);
    assert.equal(s.ci95High, null);
  }
  const csv = parseCsv(fs.readFileSync(path.join(runDir, "summary.csv"), "utf8"));
  assert.equal(csv.length, summary.length);

  const reps = readJson(path.join(runDir, "repetitions.json")) as Array<Record<string, unknown>>;
  assert.equal(reps.filter((x) => x.cold).length, 9, "one cold repetition per configuration");
  const accounting = readJson(path.join(runDir, "accounting.json")) as Array<Record<string, number | string>>;
  const labels = new Map<string, string>(manifest.configurations.map((c: { id: string; label: string }) => [c.id, c.label]));
  for (const a of accounting) {
    assert.equal(a.produced, 1500);
    if (String(labels.get(String(a.configId))).startsWith("acks=-1")) {
      assert.equal(a.lost, 0, `acks=-1 loses nothing (${a.configId} rep ${a.rep})`);
      assert.equal(a.duplicates, 0);
      assert.equal(a.consumed, 1500);
    }
  }
  const latency = readJson(path.join(runDir, "latency.json"));
  assert.ok(latency.configurations.c9.e2eLatencyUs.p50 > 0);
  const series = parseCsv(fs.readFileSync(path.join(runDir, "timeseries.csv"), "utf8"));
  assert.ok(series.some((row) => row.kind === "producer" && (row.acked as number) > 0));
  // The hyperfine-style summary.
  assert.match(r.stderr, /Configuration c5: acks=1 lingerMs=5 {3}\(2 warm repetitions \+ 1 cold\)/);
  assert.match(r.stderr, /Producer loop: +[\d.]+ (ms|s) ± [\d.]+ (ms|s)/);
  assert.match(r.stderr, /Range \(min … max\): +[\d.]+ (ms|s) … [\d.]+ (ms|s)/);
  assert.match(r.stderr, /Messages: +produced 4,500 · acked 4,500/);
});

test("a user's source and handler modules run as roles: two consumers share three partitions", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-user-");
  const result = await runExperiment(
    {
      name: "user-modules",
      topic: { partitions: 3 },
      producers: { source: "./letters-source.ts", batchSize: 20 },
      consumers: { count: 2, handler: "./count-handler.ts", commit: "after-flush", flushIntervalMs: 200 },
      repetitions: 2,
      warmup: 0,
    },
    { baseDir: fixtures, connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  assert.equal(result.state, "completed", result.error ?? "");
  for (const row of result.repetitions) {
    assert.equal(row.produced, 104, "the source ends itself after 26 × 4 messages");
    assert.equal(row.consumed, 104);
    assert.equal(row.lost, 0);
    assert.equal(row.duplicates, 0);
  }
  // Each handler wrote its counts at its last flush; module state lives across the repetitions of its process.
  const counts = ["consumer-0", "consumer-1"].map((r) => path.join(result.runDir, "work", "c1", r, "counts.json")).filter((f) => fs.existsSync(f)).map(readJson);
  const total: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries<number>(c)) total[k] = (total[k] ?? 0) + v;
  assert.equal(Object.keys(total).length, 26);
  assert.ok(Object.values(total).every((v) => v === 8), JSON.stringify(total));
});

test("a whole user script runs as the producer role with the lab's instrumented producer", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-script-");
  const result = await runExperiment(
    { name: "script-role", workload: { messages: 300 }, producers: { script: "./app-producer.ts" }, repetitions: 2, warmup: 0 },
    { baseDir: fixtures, connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  assert.equal(result.state, "completed", result.error ?? "");
  const last = result.repetitions.at(-1)!;
  assert.equal(last.acked, 300);
  assert.equal(last.consumed, 300);
  assert.equal(last.lost, 0);
  assert.ok(last.producerLoopMs! > 0);
});

test("a handler module without handle() stops the run with one error naming the file; results are kept", { timeout: 120_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-bad-");
  const result = await runExperiment(
    { name: "bad-handler", workload: { messages: 50 }, consumers: { handler: "./no-handle.ts" }, repetitions: 3, warmup: 0 },
    { baseDir: fixtures, connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  assert.equal(result.state, "errored");
  assert.match(result.error!, /consumers\.handler .*no-handle\.ts must export a function named handle/);
  assert.equal(result.repetitions.length, 1, "a user mistake does not repeat itself 3 times");
  const manifest = readJson(path.join(result.runDir, "manifest.json"));
  assert.equal(manifest.state, "errored");
  assert.equal(manifest.repetitions[0].state, "errored");
});

test("bad specs on the CLI: one line per problem naming the field, exit 2, no run directory", { timeout: 120_000 }, async () => {
  const workspace = tempDir("perflab-badspec-");
  const spec = path.join(workspace, "bad.yaml");
  fs.writeFileSync(spec, "name: bad\ntopic:\n  partitions: 0\nproducers:\n  acks: 2\n");
  const r = await runCli(["run", spec], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.equal(r.code, 2, r.stderr);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /bad\.yaml: topic\.partitions: must be at least 1 \(got 0\)/);
  assert.match(lines[1]!, /bad\.yaml: producers\.acks: must be -1 \(or "all"\), 0 or 1 \(got 2\)/);
  assert.ok(!fs.existsSync(path.join(workspace, "reports")), "nothing half-written");
  const missing = await runCli(["run", path.join(workspace, "nope.yaml")], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.equal(missing.code, 2);
  assert.match(errorLines(missing.stderr)[0]!, /spec file .*nope\.yaml not found/);
  const badSet = await runCli(["run", spec, "--set", "oops"], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.match(errorLines(badSet.stderr)[0]!, /--set oops: expected key=value/);
  const badProfile = await runCli(["run", spec, "--profile", "cpu,gpu"], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.equal(badProfile.code, 2);
  assert.match(errorLines(badProfile.stderr)[0]!, /unknown profile kind "gpu"/);
  assert.ok(fs.existsSync(path.join(repoRoot, "examples", "producer-config.yaml")));
});
