// test-duration: ~135 s
// The two ways of identifying messages check each other: with the id header on, the runner also joins
// the offsets; under a broker kill and a killed consumer both accountings must tell the same story, and
// every message's send time recorded at its offset must equal the one it carried.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runExperiment } from "../../src/run";
import { readManifest } from "../../src/results";
import { tempDir, withThreeBrokers } from "../helpers/kafka";

test("header and offsets agree, message by message, under a broker kill (RF 3, min ISR 2, acks -1) and a killed consumer — with kafkajs and with platformatic", { timeout: 900_000 }, () =>
  withThreeBrokers(async (k) => {
    const out = tempDir("perflab-exact-");
    const r = await runExperiment(
      {
        name: "exactness",
        kafka: { embedded: { brokers: 3 } },
        topic: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
        workload: { durationSec: 5, rate: 1000 },
        producers: { idCarrier: "header", lingerMs: 5 },
        consumers: { count: 2, commit: "per-message" },
        variants: { kafkajs: { "producers.client": "kafkajs", "consumers.client": "kafkajs" }, platformatic: { "producers.client": "platformatic", "consumers.client": "platformatic" } },
        faults: [
          { at: 1.5, action: "kill-broker", broker: 2 },
          { at: 2.5, action: "kill-consumer", consumer: 1 },
        ],
        repetitions: 1,
        warmup: 0,
      },
      { connection: k.conn, stateDir: k.stateDir, reportsDir: out, profilesDir: out, progress: "none" },
    );
    assert.notEqual(r.state, "errored", r.error ?? "");
    const rows = r.repetitions.filter((x) => x.kind === "measured");
    assert.deepEqual(rows.map((x) => x.label).sort(), ["kafkajs", "platformatic"]);
    for (const row of rows) {
      const what = row.label;
      const rec = readManifest(r.runDir).repetitions.find((x) => x.rep === row.rep && x.configId === row.configId)!;
      assert.ok(rec.faults.every((f) => f.ok), `${what}: ${JSON.stringify(rec.faults)}`);
      const byOffsets = rec.crossCheck!.accounting;
      // Every message below names the configuration and shows both accountings, so a failure explains itself.
      const both = `${what}: by id ${JSON.stringify(row)}; by offsets ${JSON.stringify(rec.crossCheck)}`;
      // What the id header says and what the offsets say.
      assert.equal(byOffsets.produced, row.produced, both);
      assert.equal(byOffsets.acked, row.acked, both);
      assert.equal(byOffsets.lost, row.lost, `lost, the same messages — ${both}`);
      assert.equal(row.lost, 0, `acks=-1 with min ISR 2 loses nothing — ${both}`);
      assert.equal(byOffsets.consumed + byOffsets.duplicates, row.consumed + row.duplicates, `every receipt is counted once by each — ${both}`);
      // A retry written twice is one id at two offsets: a duplicate by id, a delivered-but-unacked offset by offsets.
      assert.equal(byOffsets.unackedDelivered - row.unackedDelivered, byOffsets.consumed - row.consumed, both);
      // Send times: the one carried in each message equals the one recorded at its offset (1 µs).
      const e2e = rec.crossCheck!.e2e!;
      assert.equal(e2e.mismatches, 0, `${what}: max difference ${e2e.maxDiffUs} µs`);
      // Receipts of the killed consumer come from its journal (no times): every other receipt was compared.
      assert.ok(e2e.compared > 0.5 * row.received, `${what}: ${e2e.compared} of ${row.received} receipts compared`);
    }
  }),
);
