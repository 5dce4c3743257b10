// test-duration: ~150 s
// Notebook 08 (see notebooks-1.test.ts), and the known answers of a broker killed under three acks settings,
// checked on the notebook's own run: the run a user sees is the one checked.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadRun } from "../src/results";
import { notebookTest } from "./helpers/notebooks";

notebookTest("08-broker-failure.ipynb", [/3 brokers at 127\.0\.0\.1:\d+/, /kill-broker/, /Throughput before and after two of three brokers stop/, /after ÷ before: [\d.]+× acked msg\/s · lost \d+/, /acked msg\/s \(mean\)/, /3-broker cluster stopped/], 4, ({ workspace }) => {
  // 3 brokers, RF 3, min.insync.replicas 2, broker 2 killed 1.5 s into each repetition, its restart asked for at 4 s.
  const reports = path.join(workspace, "reports");
  const run = loadRun(path.join(reports, fs.readdirSync(reports).filter((d) => d.includes("broker-failure")).sort().at(-1)!));
  const measured = (label: string) => run.repetitions.filter((r) => r.label === label && r.kind === "measured");
  assert.equal(measured("acks=-1").length, 1);
  for (const strict of measured("acks=-1")) {
    assert.equal(strict.state, "completed", strict.error ?? "");
    assert.ok(strict.acked > 500, `acks=-1: ${strict.acked} acknowledged`);
    assert.equal(strict.lost, 0, "Kafka's promise for acks=-1, min.insync.replicas=2 (and the lab's producer avoids kafkajs#1303)");
  }
  // acks 0 with a broker killed: what did not arrive is reported (lost or failed), the repetition does not fail.
  assert.equal(measured("acks=0").length, 1);
  for (const loose of measured("acks=0")) {
    assert.equal(loose.state, "completed", "a loss is a measurement, not an error");
    assert.ok(loose.lost + loose.failed > 0, `acks=0: lost ${loose.lost}, failed ${loose.failed} of ${loose.produced}`);
    // acked = (acked and consumed) + lost; consumed = (acked and consumed) + delivered-but-unacked.
    assert.equal(loose.acked - loose.lost, loose.consumed - loose.unackedDelivered, "accounting adds up");
  }
  // Every repetition's faults happened, on the broker asked for.
  for (const r of run.manifest.repetitions) {
    assert.deepEqual(r.faults.map((f) => [f.action, f.target, f.ok]), [["kill-broker", "broker 2", true], ["start-broker", "broker 2", true]], JSON.stringify(r.faults));
  }
});
