// An overloaded or unreachable cluster: a producer that cannot connect is an outcome of the repetition
// (it sent nothing, and says why), never an error that stops the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProducerDriver } from "../../src/roles/producer-driver";
import { repRow } from "../../src/results/rows";
import { connectionFromSettings } from "../../src/kafka";
import { monoMs } from "../../src/metrics/clock";
import type { RoleContext } from "../../src/workload/context";
import type { RoleConfig } from "../../src/roles/role-config";
import type { RoleRepResult } from "../../src/results/role-result";
import { tempDir } from "../helpers/kafka";

test("a producer that cannot connect reports it in its result and sends nothing; the repetition row counts it", { timeout: 120_000 }, async () => {
  const dir = tempDir("perflab-unconnected-");
  const config = {
    roleId: "producer-3",
    kind: "producer",
    index: 3,
    runId: "r",
    configId: "c1",
    workload: { messages: 100, durationSec: null, messageSize: 10, payload: "zeros", rate: 0, keys: "none", keyCount: 1, seed: 1 },
    producer: { client: "kafkajs", acks: -1, compression: "none", idempotent: false, maxInFlightRequests: null, batchSize: 10, batchBytes: 1 << 20, lingerMs: 0, maxBufferedMessages: null, idCarrier: "offsets", source: null, script: null },
    consumer: null,
    recordRaw: false,
    seriesIntervalMs: 250,
    workDir: dir,
    clientLogFile: `${dir}/client.log`,
  } as unknown as RoleConfig;
  const lines: string[] = [];
  const ctx = {
    roleId: "producer-3", kind: "producer", index: 3, runId: "r", configId: "c1", rep: 1, topic: "t", groupId: null,
    connection: connectionFromSettings({ bootstrap: "127.0.0.1:1" }, "test"), // nothing listens on port 1
    messages: 100, durationSec: null, originMs: monoMs(), clockOffsetMs: 0, idCarrier: "offsets", signal: new AbortController().signal,
    producerIndexBase: 48, recordRaw: false, journal: null, seriesIntervalMs: 250, workDir: dir,
    register: () => undefined, allocateProducerIndex: () => 48, log: (l: string) => void lines.push(l),
  } as unknown as RoleContext;
  const driver = new ProducerDriver(config);
  await driver.prepare(ctx); // resolves: the role reports ready, the runner goes on
  await driver.start(ctx);
  const out = await driver.stop(ctx);
  await driver.close();
  const snap = out.producers[0]!;
  assert.match(snap.connectError ?? "", /127\.0\.0\.1:1|ECONNREFUSED|Connection error/);
  assert.equal(snap.counters.sent, 0);
  assert.ok(lines.some((l) => /could not connect/.test(l)), "the role's log says so");
  const result = { version: 2, roleId: "producer-3", kind: "producer", index: 3, pid: 1, configId: "c1", rep: 1, repKind: "measured", state: "completed", error: null, producers: out.producers, consumers: [], process: { cpuUserMs: 0, cpuSystemMs: 0, maxRssBytes: 0, maxHeapUsedBytes: 0, eventLoopDelayMs: { mean: 0, p50: 0, p99: 0, max: 0 }, series: { intervalMs: 250, buckets: 0, counters: {}, gauges: {} } } } as unknown as RoleRepResult;
  const row = repRow({ configId: "c1", label: "overload", rep: 1, kind: "measured", state: "completed", error: null, runMs: 1, results: [result] });
  assert.equal(row.producers, 1);
  assert.equal(row.producersUnconnected, 1);
  assert.equal(row.state, "completed");
});
