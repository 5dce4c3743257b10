// test-duration: long
// Notebooks 00–03 and 12 (the others: notebooks-2, -3, -4; the driver runs these files side by side).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseCsv } from "../src/results";
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
notebookTest("12-kafka-vs-rabbitmq.ipynb", [/Kafka 4\.\d+\.\d+ at 127\.0\.0\.1:\d+ · RabbitMQ 3\.\d+\.\d+ at 127\.0\.0\.1:\d+/, /Kafka vs RabbitMQ: the same load, warm repetitions/, /RabbitMQ ÷ Kafka/, /accounting on RabbitMQ, every measured repetition: produced 20000 · consumed 20000 · lost 0 · duplicates 0/, /Peak backlog, by where it sits/, /RabbitMQ node stopped/], 4, ({ workspace }) => {
  // Known answers of the slow consumer (sleeps 2 ms per message: at most 500 msg/s; 3,000 messages at 1,000 msg/s).
  const reports = path.join(workspace, "reports");
  const dir = path.join(reports, fs.readdirSync(reports).filter((d) => d.includes("slow-consumer-rabbitmq")).sort().at(-1)!);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { configurations: Array<{ id: string; label: string }> };
  const id = (label: string) => manifest.configurations.find((c) => c.label === label)!.id;
  const series = parseCsv(fs.readFileSync(path.join(dir, "timeseries.csv"), "utf8"));
  const peak = (configId: string, kind: string, column: string) => Math.max(0, ...series.filter((r) => r.configId === configId && r.kind === kind && typeof r[column] === "number").map((r) => r[column] as number));
  assert.ok(peak(id("prefetch 100"), "consumer", "committedLag") <= 100, "prefetch 100: never more than 100 delivered and not acked");
  assert.ok(peak(id("prefetch 100"), "queue", "ready") >= 500, "prefetch 100: the backlog waits in the queue as ready messages");
  assert.ok(peak(id("no prefetch limit"), "queue", "ready") <= 50, "no limit: RabbitMQ pushes everything, nothing stays ready");
  assert.ok(peak(id("no prefetch limit"), "consumer", "committedLag") >= 1500, "no limit: at 2 ms per message at most 1,500 of 3,000 are done when producing ends; the rest is unacked");
});
