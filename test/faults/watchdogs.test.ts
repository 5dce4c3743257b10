// test-duration: ~55 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runExperiment, type RunResult } from "../../src/run";
import { readManifest } from "../../src/results";
import { roleProcessesOf, tempDir, testKafka } from "../helpers/kafka";
import { embeddedConnection, startEmbeddedKafka, stopEmbeddedKafka } from "../../src/kafka";

// Watchdogs: whatever a role does, a run ends — with an error naming the role and the cause, a partial
// report, and no process left behind. Timeouts are short here; their defaults are in the spec's `timeouts`.
const fixtures = path.join(__dirname, "..", "fixtures", "user");

async function run(spec: Record<string, unknown>): Promise<RunResult> {
  const { conn } = await testKafka();
  const out = tempDir("perflab-watchdog-");
  const t0 = Date.now();
  const r = await runExperiment({ repetitions: 1, warmup: 0, ...spec } as never, { baseDir: fixtures, connection: conn, reportsDir: out, profilesDir: out, progress: "none" });
  assert.ok(Date.now() - t0 < 120_000, "never hangs");
  assert.ok(fs.existsSync(path.join(r.runDir, "report.html")), "a partial report is written");
  assert.deepEqual(roleProcessesOf(r.runDir), [], "no role process outlives the run");
  return r;
}

test("consumers not assigned within timeouts.readyMs: the repetition ends naming the consumer", { timeout: 180_000 }, async () => {
  // readyMs also bounds the roles' start-up: 10 s, so that a busy machine (role processes starting in > 3 s were
  // seen beside the other test files) still reaches the assignment wait this test is about.
  const r = await run({ name: "never-assigned", workload: { messages: 10 }, consumers: { handler: "./hang-init.ts" }, timeouts: { readyMs: 10_000, stopMs: 3000 } });
  assert.equal(r.repetitions[0]!.state, "errored");
  assert.match(r.repetitions[0]!.error!, /timed out after 10\.0 s waiting for consumer-0 to be assigned partitions/);
});

test("a stuck producer: the run ends after timeouts.runMs naming the producer, with what it measured", { timeout: 180_000 }, async () => {
  const r = await run({ name: "stuck-producer", producers: { source: "./stuck-source.ts" }, timeouts: { runMs: 4000, stopMs: 5000 } });
  const row = r.repetitions[0]!;
  assert.equal(row.state, "errored");
  assert.match(row.error!, /timed out after 4\.0 s waiting for producer-0 to finish producing/);
  assert.equal(row.acked, 50, "the 50 messages it sent are accounted for");
  assert.equal(row.consumed, 50);
});

test("a backlog that stops draining: the run ends after timeouts.drainStallMs without progress, naming the partitions", { timeout: 180_000 }, async () => {
  const r = await run({ name: "stalled-backlog", topic: { partitions: 1 }, workload: { messages: 300 }, consumers: { handler: "./hang-after-50.ts" }, timeouts: { drainStallMs: 3000, stopMs: 3000 } });
  const row = r.repetitions[0]!;
  assert.equal(row.state, "errored");
  assert.match(row.error!, /consumers made no progress for 3 s with messages left on .* \(partition: lag 0: 250\)/);
});

test("a role that dies: the repetition ends naming it, its exit code and its log", { timeout: 180_000 }, async () => {
  const r = await run({ name: "dying-consumer", workload: { messages: 500 }, consumers: { handler: "./exit-at-100.ts" } });
  assert.equal(r.repetitions[0]!.state, "errored");
  assert.match(r.repetitions[0]!.error!, /consumer-0 \(pid \d+\) exited with code 3 .*\(log: .*c1-consumer-0\.log\)/);
});

test("a throwing handler: counted as processing errors (onError continue), or it stops the run (onError stop)", { timeout: 180_000 }, async () => {
  const go = await run({ name: "throws-continue", workload: { messages: 90 }, consumers: { handler: "./throw-every-third.ts" } });
  assert.equal(go.repetitions[0]!.state, "completed");
  assert.equal(go.repetitions[0]!.processingErrors, 30);
  assert.equal(go.repetitions[0]!.consumed, 90);
  const stop = await run({ name: "throws-stop", workload: { messages: 90 }, consumers: { handler: "./throw-every-third.ts", onError: "stop" }, timeouts: { drainStallMs: 10_000 } });
  assert.equal(stop.repetitions[0]!.state, "errored");
  assert.match(stop.repetitions[0]!.error!, /consumer-0: .*handler failed on .*@\d+: bad record #3 \(consumers\.onError is "stop"\)/);
});

test("Kafka gone mid-run (cluster stopped from outside): the run ends at the next repetition as errored, keeping what it measured, without waiting out its timeouts", { timeout: 300_000 }, async () => {
  const stateDir = tempDir("perflab-gone-");
  const cluster = await startEmbeddedKafka({ brokers: 1, basePort: "auto", stateDir, owner: process.pid });
  const out = tempDir("perflab-gone-out-");
  let stopping: Promise<unknown> | null = null;
  try {
    // A stopMs far longer than the run takes: the repetition that finds Kafka gone must not wait it out for results
    // that no role has (its roles never heard of it: its topic could not be created). Measured before: it waited
    // all of stopMs (a minute by default), then ~12 s of kafkajs retries to decide Kafka was gone, then ~8 s more
    // trying to delete the run's topics.
    const stopMs = 120_000;
    const r = await runExperiment(
      { name: "kafka-gone", workload: { durationSec: 2, rate: 200 }, repetitions: 5, warmup: 0, timeouts: { readyMs: 20_000, drainStallMs: 10_000, stopMs } } as never,
      {
        connection: embeddedConnection(cluster.bootstrap),
        stateDir,
        reportsDir: out,
        profilesDir: out,
        progress: "none",
        // Kafka stops from outside as soon as the first repetition has ended.
        subscribe: [(events) => events.on("repetition:end", () => void (stopping ??= stopEmbeddedKafka({ stateDir })))],
      },
    );
    assert.equal(r.state, "errored");
    assert.ok(r.repetitions.length < 5, `stopped after ${r.repetitions.length} of 5 repetitions`);
    assert.ok(r.repetitions.some((x) => x.state === "completed"), "the repetition before the stop is kept");
    const manifest = readManifest(r.runDir);
    const failed = manifest.repetitions.find((x) => x.state === "errored")!;
    assert.ok(failed.durationMs < stopMs / 2, `the repetition that found Kafka gone took ${failed.durationMs} ms, not timeouts.stopMs (${stopMs} ms)`);
    assert.ok(manifest.warnings.some((w) => /is no longer reachable: ending the run, keeping what was measured/.test(w)), manifest.warnings.join(" | "));
    assert.ok(manifest.warnings.some((w) => /the topics of c1 are left on Kafka at .* \(it no longer answers\)/.test(w)), manifest.warnings.join(" | "));
    assert.ok(fs.existsSync(path.join(r.runDir, "report.html")));
    assert.deepEqual(roleProcessesOf(r.runDir), []);
  } finally {
    await stopping;
    await stopEmbeddedKafka({ stateDir });
  }
});
