// test-duration: ~120 s
// Notebook 08 (see notebooks-1.test.ts).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { notebookTest } from "./helpers/notebooks";

notebookTest("08-broker-failure.ipynb", [/3 brokers at 127\.0\.0\.1:\d+/, /kill-broker/, /Throughput before and after two of three brokers stop/, /after ÷ before: [\d.]+× acked msg\/s · lost \d+/, /acked msg\/s \(mean\)/, /3-broker cluster stopped/], 4, ({ workspace }) => {
  // Kafka's promise for acks=-1 with RF 3 and min.insync.replicas 2: nothing acknowledged is lost when a broker is killed.
  const reports = path.join(workspace, "reports");
  const run = fs.readdirSync(reports).filter((d) => d.includes("broker-failure")).sort().at(-1)!;
  const accounting = JSON.parse(fs.readFileSync(path.join(reports, run, "accounting.json"), "utf8")) as Array<{ label: string; lost: number; acked: number }>;
  const strict = accounting.filter((a) => a.label === "acks=-1");
  assert.ok(strict.length >= 1);
  for (const a of strict) {
    assert.ok(a.acked > 0);
    assert.equal(a.lost, 0, "Kafka's promise for acks=-1, min.insync.replicas=2");
  }
});
