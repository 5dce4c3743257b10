// test-duration: ~45 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { errorLines, runCli } from "../helpers/cli";
import { tempDir, testKafka } from "../helpers/kafka";

// Bad input: one clear line per problem naming the field or file, a non-zero exit, and nothing
// half-written (no run directory appears). Specs are written into a workspace of their own.
const workspace = tempDir("perflab-bad-");
const fixtures = path.join(__dirname, "..", "fixtures", "user");
fs.copyFileSync(path.join(fixtures, "count-handler.ts"), path.join(workspace, "handler.ts"));
fs.writeFileSync(path.join(workspace, "silent.ts"), 'import { Kafka } from "kafkajs";\nexport async function main(): Promise<void> {\n  // sends with its own client and tells the lab nothing\n  void Kafka;\n}\n');

function spec(name: string, yaml: string): string {
  const file = path.join(workspace, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}

const SPEC_CASES: Array<[string, string, RegExp]> = [
  ["unknown-key", "name: x\nproducers:\n  akcs: 1\n", /unknown-key\.yaml: producers\.akcs: unknown key \(did you mean "acks"\?\)/],
  ["wrong-type", "name: x\ntopic:\n  partitions: three\n", /wrong-type\.yaml: topic\.partitions: must be a number \(got "three"\)/],
  ["zero-partitions", "name: x\ntopic:\n  partitions: 0\n", /topic\.partitions: must be at least 1 \(got 0\)/],
  ["replicas", "name: x\ntopic:\n  replicationFactor: 2\n", /topic\.replicationFactor: is 2 but kafka\.embedded\.brokers is 1/],
  ["acks", "name: x\nproducers:\n  acks: 2\n", /producers\.acks: must be -1 \(or "all"\), 0 or 1 \(got 2\)/],
  ["negative-rate", "name: x\nworkload:\n  rate: -10\n", /workload\.rate: must be ≥ 0 .*\(got -10\)/],
  ["missing-handler", "name: x\nconsumers:\n  handler: ./nope-handler.ts\n", /consumers\.handler: file \.\/nope-handler\.ts not found/],
  ["missing-source", "name: x\nproducers:\n  source: ./nope-source.ts\n", /producers\.source: file \.\/nope-source\.ts not found/],
  ["idempotent", "name: x\nproducers:\n  idempotent: true\n  acks: 0\n", /producers\.idempotent: makes no sense without producers\.acks=-1/],
  ["after-flush", "name: x\nconsumers:\n  commit: after-flush\n", /consumers\.commit: "after-flush" makes no sense without a consumers\.handler/],
  ["topic-name", "name: x\ntopic:\n  name: bad topic!\n", /topic\.name: may contain only letters, digits/],
  ["zstd", "name: x\nproducers:\n  compression: zstd\n", /producers\.compression: zstd needs a native codec .*\(producers\.client kafkajs\)/],
  ["plat-zstd", "name: x\nproducers:\n  client: platformatic\n  compression: zstd\n", /producers\.compression: zstd needs Node's zstd codec .*\(producers\.client platformatic\)/],
  ["plat-batch", "name: x\nconsumers:\n  client: platformatic\n  mode: eachBatch\n", /consumers\.mode: eachBatch is a kafkajs API.*\(consumers\.client platformatic\)/],
  ["plat-matrix", "name: x\nconsumers:\n  mode: eachBatch\nmatrix:\n  consumers.client: [kafkajs, platformatic]\n", /consumers\.mode: eachBatch is a kafkajs API.*\(consumers\.client platformatic\) in configuration client=platformatic/],
  ["content-builtin", "name: x\nproducers:\n  idCarrier: content\n", /producers\.idCarrier: content is for a producers\.script that sends with its own client/],
  ["silent-script", "name: x\nproducers:\n  script: ./silent.ts\n", /producers\.script: \.\/silent\.ts reports nothing to the lab: it must send through an InstrumentedProducer/],
  ["silent-audit", "name: x\nproducers:\n  script: ./silent.ts\n  idCarrier: content\n", /producers\.script: \.\/silent\.ts reports nothing to the lab: it must wrap its sends in producerAudit\(\)\.send/],
  ["content-kill", "name: x\nproducers:\n  script: ./silent.ts\n  idCarrier: content\nconsumers:\n  count: 2\nfaults:\n  - { at: 1, action: kill-consumer, consumer: 1 }\n", /faults\[0\]\.action: kill-consumer cannot be combined with producers\.idCarrier content/],
  ["unknown-client", "name: x\nproducers:\n  client: rdkafka\n", /producers\.client: must be one of "kafkajs", "platformatic", "amqplib" \(got "rdkafka"\)/],
  ["fault-broker", "name: x\nfaults:\n  - { at: 1, action: stop-broker, broker: 3 }\n", /faults\[0\]\.broker: is 3 but kafka\.embedded\.brokers is 1/],
  ["kafka-config", "name: x\nkafka:\n  configFile: ./nope-kafka.yaml\n", /kafka\.configFile: file \.\/nope-kafka\.yaml not found/],
  ["matrix", "name: x\nmatrix:\n  producers.lingerMs: [0, -5]\n", /matrix\.producers\.lingerMs\[1\]: must be ≥ 0/],
  ["two-problems", "name: x\ntopic:\n  partitions: 0\nworkload:\n  messageSize: -1\n", /topic\.partitions: must be at least 1/],
  ["malformed", "name: x\nproducers: [unclosed\n", /malformed\.yaml: not valid YAML\/JSON/],
  ["a-list", "- a\n- b\n", /a-list\.yaml: the spec must be a mapping/],
];

function assertRejected(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.notEqual(r.code, 0, r.stderr);
  const lines = errorLines(r.stderr);
  assert.ok(lines.length >= 1, r.stderr);
  assert.ok(lines.some((l) => re.test(l)), `${re} not in:\n${r.stderr}`);
  for (const l of lines) assert.ok(!l.includes("\n"));
  assert.ok(!fs.existsSync(path.join(workspace, "reports")), "nothing half-written");
}

test(`${SPEC_CASES.length} bad specs: one line per problem naming the field, exit 2, nothing written`, { timeout: 120_000 }, async () => {
  for (const [name, yaml, re] of SPEC_CASES) {
    const r = await runCli(["run", spec(name, yaml)], { env: { PERFLAB_WORKSPACE: workspace } });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assertRejected(r, re);
  }
  const two = await runCli(["run", path.join(workspace, "two-problems.yaml")], { env: { PERFLAB_WORKSPACE: workspace } });
  assert.equal(errorLines(two.stderr).length, 2, "two problems, two lines");
});

test("bad command lines and files: spec not found, --set, --profile, report and view targets, profiles", { timeout: 120_000 }, async () => {
  const env = { PERFLAB_WORKSPACE: workspace };
  const ok = spec("ok", "name: ok\n");
  const cases: Array<[string[], RegExp]> = [
    [["run", path.join(workspace, "missing.yaml")], /spec file .*missing\.yaml not found/],
    [["run", ok, "--set", "noequals"], /--set noequals: expected key=value/],
    [["run", ok, "--profile", "cpu,gpu"], /unknown profile kind "gpu"/],
    [["run", ok, "--profile-roles", "broker"], /roles are producer and\/or consumer/],
    [["report"], /give a run directory/],
    [["report", path.join(workspace, "no-such-run")], /run directory .*no-such-run not found/],
    [["view", path.join(workspace, "nothing-here")], /nothing-here does not exist/],
    [["profile", path.join(workspace, "nope.cpuprofile")], /CPU profile .*nope\.cpuprofile not found/],
    [["profile", ok], /ok\.yaml is not a V8 CPU profile \(a \.cpuprofile is JSON\)/],
    [["profile", ok, "--by", "speed"], /must be self, total or calls/],
  ];
  for (const [args, re] of cases) assertRejected(await runCli(args, { env }), re);

  // A corrupt run directory given to report: no manifest, then a manifest that is not JSON.
  const corrupt = tempDir("perflab-corrupt-");
  assertRejected(await runCli(["report", corrupt], { env }), /is not a run directory: manifest\.json is missing/);
  fs.writeFileSync(path.join(corrupt, "manifest.json"), "{ truncated");
  assertRejected(await runCli(["report", corrupt], { env }), /manifest\.json is corrupt/);
  fs.writeFileSync(path.join(corrupt, "manifest.json"), JSON.stringify({ runId: "r", repetitions: [], profiles: [] }));
  assertRejected(await runCli(["profile", corrupt, "--role", "consumer"], { env }), /no cpuprofile in .* \(profiles: none\); run with --profile/);
});

test("an unreachable bootstrap list is one line naming it; nothing is written", { timeout: 120_000 }, async () => {
  const r = await runCli(["run", spec("ext", "name: ext\nworkload:\n  messages: 10\n")], { env: { PERFLAB_WORKSPACE: workspace, PERFLAB_BOOTSTRAP: "127.0.0.1:1" } });
  assert.equal(r.code, 1);
  assertRejected(r, /cannot reach Kafka at 127\.0\.0\.1:1 \(env\)/);
});

test("more consumers than partitions is a warning, and the run goes on", { timeout: 120_000 }, async () => {
  const { stateDir } = await testKafka();
  const ws = tempDir("perflab-warn-");
  const file = path.join(ws, "warn.yaml");
  fs.writeFileSync(file, "name: warn\ntopic:\n  partitions: 1\nworkload:\n  messages: 50\nconsumers:\n  count: 2\nrepetitions: 1\nwarmup: 0\n");
  const r = await runCli(["run", file, "--no-progress"], { env: { PERFLAB_WORKSPACE: ws, PERFLAB_STATE_DIR: stateDir } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: consumers\.count \(2\) > topic\.partitions \(1\): 1 consumer\(s\) will get no partition and sit idle/);
});

test("a user module that exports no handle(): the run stops with one line naming the file", { timeout: 120_000 }, async () => {
  const { stateDir } = await testKafka();
  const ws = tempDir("perflab-noexport-");
  fs.copyFileSync(path.join(fixtures, "no-handle.ts"), path.join(ws, "no-handle.ts"));
  const file = path.join(ws, "s.yaml");
  fs.writeFileSync(file, "name: s\nworkload:\n  messages: 20\nconsumers:\n  handler: ./no-handle.ts\nrepetitions: 2\nwarmup: 0\n");
  const r = await runCli(["run", file, "--no-progress"], { env: { PERFLAB_WORKSPACE: ws, PERFLAB_STATE_DIR: stateDir } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /perflab: run errored: consumer-0 failed: consumers\.handler .*no-handle\.ts must export a function named handle/);
});
