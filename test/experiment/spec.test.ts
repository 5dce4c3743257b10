// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { applyQuick, applySets, loadSpec, matrixPoints, readSpecFile, SpecError, validateSpec } from "../../src/spec";
import { planRepetitions } from "../../src/experiment";
import { InputError } from "../../src/errors";
import { tempDir } from "../helpers/kafka";
import { clientIssues } from "../../src/clients";

const fixtures = path.join(__dirname, "..", "fixtures", "user");

function specError(raw: unknown): SpecError {
  try {
    validateSpec(raw, { baseDir: fixtures });
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${err}`);
    return err;
  }
  assert.fail("the spec was accepted");
}

test("defaults fill every field of a minimal spec", () => {
  const { spec, configurations } = validateSpec({ name: "min" });
  assert.equal(spec.workload.messages, 10_000);
  assert.equal(spec.topic.name, "min");
  assert.equal(spec.topic.partitions, 3);
  assert.equal(spec.producers.acks, -1);
  assert.equal(spec.repetitions, 5);
  assert.equal(spec.warmup, 1);
  assert.equal(configurations.length, 1);
  assert.equal(configurations[0]!.label, "min");
});

test("each impossible value gives one line naming its field path", () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ name: "x", producers: { akcs: 1 } }, "producers.akcs", /unknown key \(did you mean "acks"\?\)/],
    [{ name: "x", bogus: true }, "bogus", /unknown key/],
    [{ name: "x", topic: { partitions: "three" } }, "topic.partitions", /must be a number \(got "three"\)/],
    [{ name: "x", topic: { partitions: 0 } }, "topic.partitions", /must be at least 1 \(got 0\)/],
    [{ name: "x", topic: { replicationFactor: 3 } }, "topic.replicationFactor", /is 3 but kafka\.embedded\.brokers is 1/],
    [{ name: "x", producers: { acks: 2 } }, "producers.acks", /must be -1 \(or "all"\), 0 or 1 \(got 2\)/],
    [{ name: "x", workload: { rate: -5 } }, "workload.rate", /must be ≥ 0 .*\(got -5\)/],
    [{ name: "x", consumers: { handler: "./missing-handler.ts" } }, "consumers.handler", /file \.\/missing-handler\.ts not found/],
    [{ name: "x", producers: { source: "./nope.ts" } }, "producers.source", /file \.\/nope\.ts not found/],
    [{ name: "x", producers: { compression: "brotli" } }, "producers.compression", /must be one of "none", "gzip", "snappy", "lz4", "zstd" \(got "brotli"\)/],
    [{ name: "x", producers: { idempotent: true, acks: 1 } }, "producers.idempotent", /makes no sense without producers\.acks=-1/],
    [{ name: "x", workload: { messages: 10, durationSec: 5 } }, "workload.durationSec", /exclude each other/],
    [{ name: "x", consumers: { commit: "after-flush" } }, "consumers.commit", /makes no sense without a consumers\.handler/],
    [{ name: "x", topic: { minInsyncReplicas: 2 } }, "topic.minInsyncReplicas", /is 2 but topic\.replicationFactor is 1/],
    [{ name: "x", kafka: { embedded: { brokers: 4 } } }, "kafka.embedded.brokers", /must be from 1 to 3/],
    [{ name: "bad name!" }, "name", /may contain only letters/],
    [{ name: "x", repetitions: 1.5 }, "repetitions", /must be a whole number/],
    [{ name: "x", faults: [{ at: 1, action: "stop-broker", broker: 3 }] }, "faults[0].broker", /is 3 but kafka\.embedded\.brokers is 1/],
    [{ name: "x", matrix: { "producers.color": [1] } }, "matrix.producers.color", /cannot be varied/],
    [{ name: "x", matrix: { "producers.acks": [-1, 2] } }, "matrix.producers.acks[1]", /must be -1/],
    [{ name: "x", matrix: { "producers.acks": [] } }, "matrix.producers.acks", /needs at least one value/],
    [{ name: "x", consumers: { handler: "./count-handler.ts", processing: { kind: "cpu", cpuUs: 5 } } }, "consumers.processing.kind", /does the processing: drop one/],
    [{}, "name", /is required/],
  ];
  for (const [raw, pathName, re] of cases) {
    const err = specError(raw);
    assert.equal(err.issues[0]!.path, pathName, `${JSON.stringify(raw)} → ${err.message}`);
    assert.match(err.issues[0]!.message, re, `${JSON.stringify(raw)} → ${err.message}`);
    assert.equal(err.exitCode, 2);
    for (const line of err.message.split("\n")) assert.ok(line.includes(": "), "every line names a field");
  }
});

test("what a client cannot do is refused per client, naming the field: zstd with kafkajs and with platformatic on Node 20", () => {
  for (const client of ["kafkajs", "platformatic"] as const) {
    const { configurations } = validateSpec({ name: "x", producers: { compression: "zstd", client } });
    const issues = clientIssues(configurations[0]!.spec);
    assert.equal(issues.length, 1, `${client}: ${JSON.stringify(issues)}`);
    assert.equal(issues[0]!.path, "producers.compression");
    assert.match(issues[0]!.message, /zstd needs/);
  }
  assert.deepEqual(clientIssues(validateSpec({ name: "x", producers: { compression: "lz4" } }).configurations[0]!.spec), []);
});

test("consumers beyond the partition count are a warning, not an error", () => {
  const v = validateSpec({ name: "x", consumers: { count: 5 }, topic: { partitions: 3 } });
  assert.match(v.warnings[0]!, /consumers\.count \(5\) > topic\.partitions \(3\): 2 consumer\(s\) will get no partition/);
});

test("a matrix expands to its cartesian product, first key slowest, with labels", () => {
  const v = validateSpec({ name: "m", matrix: { "producers.acks": [0, 1, -1], "producers.lingerMs": [0, 5, 20] } });
  assert.equal(v.configurations.length, 9);
  assert.deepEqual(v.configurations.map((c) => c.id), ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]);
  assert.equal(v.configurations[1]!.label, "acks=0 lingerMs=5");
  assert.equal(v.configurations[3]!.spec.producers.acks, 1);
  assert.equal(v.configurations[3]!.spec.producers.lingerMs, 0);
  assert.deepEqual(matrixPoints({ a: [1, 2], b: ["x"] }), [{ a: 1, b: "x" }, { a: 2, b: "x" }]);
  assert.deepEqual(matrixPoints({}), [{}]);
});

test("variants are named override sets combined with the matrix; module paths become absolute", () => {
  const v = validateSpec(
    {
      name: "v",
      consumers: { handler: "./count-handler.ts" },
      variants: { plain: {}, flushing: { "consumers.commit": "after-flush" } },
      matrix: { "producers.lingerMs": [0, 5] },
    },
    { baseDir: fixtures },
  );
  assert.deepEqual(v.configurations.map((c) => c.label), ["plain lingerMs=0", "plain lingerMs=5", "flushing lingerMs=0", "flushing lingerMs=5"]);
  assert.equal(v.configurations[2]!.spec.consumers.commit, "after-flush");
  assert.equal(v.configurations[0]!.spec.consumers.handler, path.join(fixtures, "count-handler.ts"));
});

test("--set overrides fields with YAML values, matrix entries included", () => {
  const raw = applySets({ name: "s", producers: { acks: 1 } }, ["producers.acks=-1", "workload.messages=500", "matrix.producers.lingerMs=[0, 10]", "topic.config.retention.ms=1000"]);
  assert.deepEqual(raw.producers, { acks: -1 });
  assert.deepEqual(raw.matrix, { "producers.lingerMs": [0, 10] });
  assert.equal((raw.workload as Record<string, unknown>).messages, 500);
  assert.throws(() => applySets({}, ["noequals"]), (e: unknown) => e instanceof InputError && /--set noequals: expected key=value/.test(e.message));
});

test("--quick shrinks counts and repetitions but keeps the matrix", () => {
  const q = applyQuick({ name: "q", workload: { messages: 100_000 }, repetitions: 10, warmup: 2, matrix: { "workload.messages": [50_000, 100] } });
  assert.equal((q.workload as Record<string, unknown>).messages, 2000);
  assert.equal(q.repetitions, 3);
  assert.equal(q.warmup, 0);
  assert.deepEqual((q.matrix as Record<string, unknown[]>)["workload.messages"], [2000, 100]);
  const custom = applyQuick({ name: "q", workload: { durationSec: 60 }, quick: { durationSec: 2, repetitions: 2 } });
  assert.equal((custom.workload as Record<string, unknown>).durationSec, 2);
  assert.equal(custom.repetitions, 2);
});

test("repetition plan: warm-ups, measured, then one repetition per profiling kind", () => {
  const v = validateSpec({ name: "p", warmup: 1, repetitions: 2, profile: { cpu: true, heap: true, calls: true, flamegraph: true } });
  assert.deepEqual(planRepetitions(v.configurations[0]!).map((p) => `${p.number}:${p.kind}`), ["1:warmup", "2:measured", "3:measured", "4:profile", "5:calls", "6:flamegraph"]);
});

test("spec files: not found, malformed YAML and a non-mapping are one line naming the file", () => {
  const dir = tempDir("perflab-spec-");
  assert.throws(() => readSpecFile(path.join(dir, "nope.yaml")), /spec file .*nope\.yaml not found/);
  fs.writeFileSync(path.join(dir, "bad.yaml"), "name: x\nproducers: [unclosed\n");
  assert.throws(() => readSpecFile(path.join(dir, "bad.yaml")), /bad\.yaml: not valid YAML\/JSON/);
  fs.writeFileSync(path.join(dir, "list.yaml"), "- a\n- b\n");
  assert.throws(() => readSpecFile(path.join(dir, "list.yaml")), /list\.yaml: the spec must be a mapping/);
  fs.writeFileSync(path.join(dir, "ok.json"), JSON.stringify({ name: "j", consumers: { handler: "./h.ts" } }));
  fs.writeFileSync(path.join(dir, "h.ts"), "export function handle() {}\n");
  const v = loadSpec(path.join(dir, "ok.json"));
  assert.equal(v.spec.consumers.handler, path.join(dir, "h.ts"), "relative paths are resolved against the spec file's folder");
});

test("broker: rabbitmq — amqplib, the id header and one queue by default; Kafka-only fields (matrix keys too) refused naming the field", () => {
  const { spec, configurations } = validateSpec({ name: "r", broker: "rabbitmq", consumers: { count: 3, prefetch: 10 } });
  assert.deepEqual([spec.producers.client, spec.consumers.client, spec.producers.idCarrier, spec.topic.partitions, spec.consumers.prefetch, spec.consumers.autoAck], ["amqplib", "amqplib", "header", 1, 10, false]);
  assert.equal(configurations[0]!.spec.producers.client, "amqplib");
  const mixed = specError({ name: "r", broker: "rabbitmq", kafka: { embedded: { brokers: 3 } }, producers: { compression: "gzip", idCarrier: "offsets" }, workload: { keys: "random" } });
  assert.deepEqual(
    mixed.issues.map((i) => i.path),
    ["kafka", "producers.compression", "workload.keys", "producers.idCarrier"],
  );
  assert.match(mixed.issues[3]!.message, /RabbitMQ returns no offsets \(use header or trailer\)/);
  const matrix = specError({ name: "r", broker: "rabbitmq", matrix: { "producers.lingerMs": [0, 5] } });
  assert.deepEqual(matrix.issues.map((i) => i.path), ["matrix.producers.lingerMs[0]"]);
  const faults = specError({ name: "r", broker: "rabbitmq", faults: [{ at: 1, action: "kill-broker", broker: 2 }] });
  assert.deepEqual(faults.issues.map((i) => `${i.path}: ${i.message}`), ["faults[0].broker: is 2 but the embedded RabbitMQ is one node"]);
  const external = specError({ name: "r", broker: "rabbitmq", rabbitmq: { url: "amqp://h" }, faults: [{ at: 1, action: "stop-broker", broker: 1 }] });
  assert.match(external.issues[0]!.message, /stop-broker needs the embedded RabbitMQ \(no rabbitmq\.url\), not an external one/);
  // And the other way: RabbitMQ's fields on a Kafka run.
  const kafka = specError({ name: "k", rabbitmq: { url: "amqp://h" }, consumers: { autoAck: true, client: "amqplib" } });
  assert.deepEqual(kafka.issues.map((i) => i.path).sort(), ["consumers.autoAck", "consumers.client", "rabbitmq"]);
  assert.deepEqual(clientIssues(validateSpec({ name: "r", broker: "rabbitmq", consumers: { mode: "eachBatch" } }).configurations[0]!.spec).map((i) => i.path), ["consumers.mode"]);
});
