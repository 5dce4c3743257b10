// test-duration: ~130 s
// Notebooks 00–03 (the others: notebooks-2 … -8, about two minutes each, so that the driver runs them side by side).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execute, notebooks, notebooksDir, notebookTest } from "./helpers/notebooks";

test("notebooks/ holds the numbered notebooks 00–13, committed without outputs", () => {
  assert.deepEqual(notebooks.map((n) => n.slice(0, 2)), ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"]);
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), "utf8"));
    assert.equal(nb.metadata.kernelspec.name, "tslab", `${name} uses the tslab kernel`);
    for (const c of nb.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${name} is committed without outputs`);
    assert.ok(nb.cells.filter((c: { cell_type: string }) => c.cell_type === "markdown").length >= 2, `${name} explains itself in markdown`);
  }
});

test("00-hello-kafka imports the lab by package name and prints message metadata", { timeout: 600_000 }, async () => {
  const { outputs } = await execute("00-hello-kafka.ipynb");
  assert.match(outputs, /Kafka 4\.\d+\.\d+ \(KRaft\) at 127\.0\.0\.1:\d+/);
  assert.match(outputs, /topic\s*│\s*partition\s*│\s*offset\s*│\s*timestamp\s*│\s*key/);
  assert.equal((outputs.match(/'key-\d'/g) ?? []).length, 10, "10 messages with their keys");
});

notebookTest("01-quickstart.ipynb", [/Producer loop: +[\d.]+ (ms|s) ± /, /state: completed/, /DataFrames: summary \d+,\d+/], 2);
notebookTest("02-loop-timing.ipynb", [/cold \(first run\)/, /group join/], 2);
notebookTest("03-end-to-end-latency.ipynb", [/orders-100B/, /images-20KB/, /CreateTime p99 \(ms\)/, /the cold first run vs the mean of the warm runs/, /orders-100B: cold p50 [\d.]+ ms = [\d.]+× warm/, /e2eLatencyP99Ms_mean/], 3);
