// test-duration: ~125 s
// Notebooks 09 and 12 (see notebooks-1.test.ts).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseCsv } from "../src/results";
import { notebookTest } from "./helpers/notebooks";

notebookTest("09-memory.ipynb", [/MiB sampled in the consumer/, /selfMiB/, /Producer: allocation sites in your code, by line/, /GC pauses by kind \(ms\)/, /longest \(ms\)/], 3);
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
