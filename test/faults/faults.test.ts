// test-duration: ~30 s
// (A broker killed under acks 0, 1 and -1 on 3 brokers: checked on notebook 08's own run, test/notebooks-5.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { runExperiment } from "../../src/run";
import { tempDir, testKafka } from "../helpers/kafka";

const fixtures = path.join(__dirname, "..", "fixtures", "user");

test("a consumer killed (SIGKILL) mid-run with commit after processing: nothing lost, the redelivered duplicates are counted", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-killc-");
  const run = await runExperiment(
    {
      name: "kill-consumer",
      topic: { partitions: 4 },
      workload: { durationSec: 5, rate: 600 },
      // No flush (so no commit) before the kill: everything consumer-0 processed comes again to consumer-1,
      // however busy the machine — a commit just before the kill would otherwise leave nothing to redeliver.
      consumers: { count: 2, handler: "./count-handler.ts", commit: "after-flush", flushIntervalMs: 10_000 },
      faults: [{ at: 2, action: "kill-consumer", consumer: 0 }],
      repetitions: 1,
      warmup: 0,
    },
    { baseDir: fixtures, connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  assert.equal(run.state, "completed", run.error ?? "");
  const row = run.repetitions[0]!;
  assert.ok(row.acked > 2000, `acked ${row.acked}`);
  assert.equal(row.lost, 0, "at-least-once: every acked message was processed by a consumer");
  assert.ok(row.duplicates > 0, "messages processed after the last commit come again to the surviving consumer, and are counted");
  assert.equal(row.consumed, row.acked);
  const manifest = JSON.parse(require("node:fs").readFileSync(path.join(run.runDir, "manifest.json"), "utf8"));
  const fault = manifest.repetitions[0].faults[0];
  assert.equal(fault.action, "kill-consumer");
  assert.ok(fault.ok && Math.abs(fault.actualAtMs - 2000) < 500, `fault at ${fault.actualAtMs} ms`);
});

test("a consumer added mid-run joins the group (a rebalance) and shares the work", { timeout: 300_000 }, async () => {
  const { conn } = await testKafka();
  const out = tempDir("perflab-addc-");
  const run = await runExperiment(
    {
      name: "add-consumer",
      topic: { partitions: 4 },
      workload: { durationSec: 5, rate: 500 },
      consumers: { count: 1 },
      faults: [{ at: 1.5, action: "add-consumer" }],
      repetitions: 2,
      warmup: 0,
    },
    { connection: conn, reportsDir: out, profilesDir: out, progress: "none" },
  );
  assert.equal(run.state, "completed", run.error ?? "");
  for (const row of run.repetitions) {
    assert.equal(row.lost, 0);
    assert.ok(row.rebalances >= 1, `rep ${row.rep}: ${row.rebalances} rebalances`);
  }
  const manifest = JSON.parse(require("node:fs").readFileSync(path.join(run.runDir, "manifest.json"), "utf8"));
  assert.equal(manifest.repetitions[0].faults[0].target, "consumer-1");
});

