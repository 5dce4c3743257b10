// test-duration: ~60 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import { findFreeBase } from "../../src/kafka";
import { clusterPaths, readClusterState } from "../../src/kafka/cluster-state";
import { waitFor } from "../../src/util/timeout";
import { collect, errorLines, runCli, spawnCli } from "../helpers/cli";
import { javaProcessesOf, tempDir } from "../helpers/kafka";

function freshState(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir("perflab-cli-");
  return { dir, env: { PERFLAB_STATE_DIR: dir } };
}

function assertNothingLeft(dir: string): void {
  assert.deepEqual(javaProcessesOf(dir), [], "no broker JVM may be left behind");
  assert.ok(!fs.existsSync(path.join(dir, "cluster", "state.json")), "no half-started cluster state may be left behind");
}

function assertOneErrorLine(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.notEqual(r.code, 0, "exit code must be non-zero");
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, `exactly one error line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, re);
}

test("kafka up / status / stop-broker / start-broker / down, and the mistakes made on a running cluster", { timeout: 180_000 }, async () => {
  const { dir, env } = freshState();
  const base = await findFreeBase(1);
  try {
    // Extra broker JVM flags from the environment at `up`; a marker property shows where they land.
    // Extra broker settings from the environment land in the broker's properties, over the lab's own values.
    const jvmFlags = "-XX:TieredStopAtLevel=1 -Dperflab.cliTest=up";
    const brokerConfig = "metadata.max.idle.interval.ms=4500 num.partitions=2";
    const up = await runCli(["kafka", "up", "--brokers", "1", "--port", String(base)], { env: { ...env, PERFLAB_BROKER_JVM_OPTS: jvmFlags, PERFLAB_BROKER_CONFIG: brokerConfig } });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout.trim(), `127.0.0.1:${base}`);
    assert.match(up.stderr, /ready in \d+\.\d s/);

    const st = await runCli(["kafka", "status", "--json"], { env });
    const status = JSON.parse(st.stdout);
    assert.equal(status.up, true);
    assert.match(status.kafkaVersion, /^4\./);
    assert.deepEqual(status.bootstrap, [`127.0.0.1:${base}`]);
    assert.equal(status.brokers[0].state, "up");
    assert.equal(status.brokers[0].registered, true);
    assert.deepEqual(javaProcessesOf(dir), [status.brokers[0].pid]);
    assertJvmFlagsLast(status.brokers[0].pid, jvmFlags);
    const props = fs.readFileSync(readClusterState(clusterPaths(dir))!.brokers[0]!.propsFile, "utf8").split("\n");
    assert.deepEqual(props.filter((l) => /^(metadata\.max\.idle\.interval\.ms|num\.partitions)=/.test(l)).sort(), ["metadata.max.idle.interval.ms=4500", "num.partitions=2"]);
    const text = await runCli(["kafka", "status"], { env });
    assert.match(text.stdout, /broker\s+port\s+controller\s+pid\s+state/);

    assertOneErrorLine(await runCli(["kafka", "up", "--port", String(base)], { env }), /already up \(127\.0\.0\.1:\d+\)/);
    assertOneErrorLine(await runCli(["kafka", "stop-broker", "9"], { env }), /no broker 9: this cluster has broker ids 1/);
    assertOneErrorLine(await runCli(["kafka", "start-broker", "1"], { env }), /broker 1 is already running/);

    const stop = await runCli(["kafka", "stop-broker", "1"], { env });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(JSON.parse((await runCli(["kafka", "status", "--json"], { env })).stdout).brokers[0].state, "down");
    assert.deepEqual(javaProcessesOf(dir), []);
    const start = await runCli(["kafka", "start-broker", "1"], { env });
    assert.equal(start.code, 0, start.stderr);
    const restarted = JSON.parse((await runCli(["kafka", "status", "--json"], { env })).stdout).brokers[0];
    assert.equal(restarted.registered, true);
    assertJvmFlagsLast(restarted.pid, jvmFlags); // kept in the cluster's state: start-broker ran without the variable

    const down = await runCli(["kafka", "down"], { env });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /stopped 1 broker; data removed/);
    assertNothingLeft(dir);
  } finally {
    await runCli(["kafka", "down"], { env });
  }
});

/** The broker's command line carries `flags` after the lab's own JVM flags (so they win), before the main class. */
function assertJvmFlagsLast(pid: number, flags: string): void {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const main = argv.indexOf("kafka.Kafka");
  const want = flags.split(" ");
  const at = argv.indexOf(want[0]!);
  assert.ok(at > argv.indexOf("-XX:CICompilerCount=2") && at < main, `flags after the lab's and before kafka.Kafka: ${argv.join(" ")}`);
  assert.deepEqual(argv.slice(at, at + want.length), want);
}

test("bad arguments: one clear line, non-zero exit, nothing started", { timeout: 120_000 }, async () => {
  const { dir, env } = freshState();
  const cases: Array<[string[], RegExp]> = [
    [["kafka", "up", "--brokers", "0"], /--brokers must be from 1 to 3 \(got 0\)/],
    [["kafka", "up", "--brokers", "4"], /--brokers must be from 1 to 3 \(got 4\)/],
    [["kafka", "up", "--brokers", "abc"], /--brokers must be a whole number from 1 to 3 \(got "abc"\)/],
    [["kafka", "up", "--port", "80"], /--port.*must be a port from 1024 to 65000/],
    [["kafka", "frobnicate"], /unknown command 'frobnicate'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["kafka", "stop-broker", "x"], /broker id must be a whole number/],
    [["kafka", "stop-broker", "1"], /no embedded Kafka cluster is up/],
    [["kafka", "start-broker", "2"], /no embedded Kafka cluster is up/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, { env });
    assertOneErrorLine(r, re);
    assertNothingLeft(dir);
  }
  const badFlags = await runCli(["kafka", "up"], { env: { ...env, PERFLAB_BROKER_JVM_OPTS: "-Xmx1g TieredStopAtLevel=1" } });
  assert.equal(badFlags.code, 2, badFlags.stderr);
  assertOneErrorLine(badFlags, /PERFLAB_BROKER_JVM_OPTS: "TieredStopAtLevel=1" is not a JVM flag/);
  assertNothingLeft(dir);
  const badConfig = await runCli(["kafka", "up"], { env: { ...env, PERFLAB_BROKER_CONFIG: "num.partitions=2 log.retention.ms" } });
  assert.equal(badConfig.code, 2, badConfig.stderr);
  assertOneErrorLine(badConfig, /PERFLAB_BROKER_CONFIG: "log.retention.ms" is not a key=value broker setting/);
  assertNothingLeft(dir);
});

test("a port already in use is named, and nothing is left half-started", { timeout: 60_000 }, async () => {
  const { dir, env } = freshState();
  const base = await findFreeBase(1);
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(base + 100, "127.0.0.1", r));
  try {
    const r = await runCli(["kafka", "up", "--port", String(base)], { env });
    assertOneErrorLine(r, new RegExp(`port ${base + 100} on 127\\.0\\.0\\.1 is already in use \\(broker 1 controller listener\\)`));
    assertNothingLeft(dir);
  } finally {
    blocker.close();
  }
});

test("no JDK on PATH is named with how to get one", { timeout: 60_000 }, async () => {
  const { dir, env } = freshState();
  const r = await runCli(["kafka", "up"], { env: { ...env, PATH: "/nonexistent", JAVA_HOME: "" } });
  assertOneErrorLine(r, /java not found \(not on PATH\): install a JDK 17\+/);
  assertNothingLeft(dir);
});

test("Ctrl-C (SIGINT) during `kafka up --brokers 3` stops every broker it started", { timeout: 120_000 }, async () => {
  const { dir, env } = freshState();
  const base = await findFreeBase(3);
  const child = spawnCli(["kafka", "up", "--brokers", "3", "--port", String(base)], { env });
  const done = collect(child, 90_000);
  // Interrupt once the broker JVMs exist (after formatting), i.e. in the middle of the start-up wait.
  await waitFor("broker JVMs to start", () => javaProcessesOf(dir).length === 3 && fs.existsSync(path.join(dir, "cluster", "state.json")) && JSON.parse(fs.readFileSync(path.join(dir, "cluster", "state.json"), "utf8")).brokers.every((b: { pid: number | null }) => b.pid), { timeoutMs: 60_000, intervalMs: 100 });
  child.kill("SIGINT");
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assertNothingLeft(dir);
});

/** A child process that starts (or reuses) an owned cluster in `dir`; resolves once it reports READY. */
async function clusterOwner(dir: string, mode: "start" | "ensure"): Promise<{ child: ReturnType<typeof spawn>; bootstrap: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "fixtures", "own-cluster.ts"), dir, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  await waitFor(`the ${mode} owner to report READY`, () => out.includes("READY"), { timeoutMs: 60_000 }).catch((e: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${e.message}; its log:\n${err}`);
  });
  return { child, bootstrap: /READY (\S+)/.exec(out)![1]! };
}

test("a process that owns a cluster and crashes (SIGKILL) leaves no broker behind", { timeout: 90_000 }, async () => {
  const { dir } = freshState();
  const { child } = await clusterOwner(dir, "start");
  assert.equal(javaProcessesOf(dir).length, 1);
  child.kill("SIGKILL");
  await waitFor("the watchdog to stop the orphaned broker", () => javaProcessesOf(dir).length === 0, { timeoutMs: 20_000, intervalMs: 200 });
  await waitFor("the cluster state to be removed", () => !fs.existsSync(path.join(dir, "cluster", "state.json")), { timeoutMs: 10_000 });
});

test("a reused cluster stays up while any of its owners lives, and goes when the last one exits", { timeout: 120_000 }, async () => {
  const { dir } = freshState();
  const first = await clusterOwner(dir, "start");
  const second = await clusterOwner(dir, "ensure");
  assert.equal(second.bootstrap, first.bootstrap, "the second process reused the running cluster");
  const broker = javaProcessesOf(dir);
  assert.equal(broker.length, 1);
  first.child.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 2000)); // the watchdog polls every 300 ms
  assert.deepEqual(javaProcessesOf(dir), broker, "the broker outlives its first owner while the second one runs");
  second.child.kill("SIGKILL");
  await waitFor("the watchdog to stop the broker after the last owner", () => javaProcessesOf(dir).length === 0, { timeoutMs: 20_000, intervalMs: 200 });
});

test("ensureEmbeddedKafka does not reuse a cluster whose owner has just died: it starts a fresh one", { timeout: 120_000 }, async () => {
  const { dir } = freshState();
  const first = await clusterOwner(dir, "start");
  const old = javaProcessesOf(dir);
  first.child.kill("SIGKILL");
  const second = await clusterOwner(dir, "ensure"); // races the watchdog's teardown on purpose
  await new Promise((r) => setTimeout(r, 2000));
  const now = javaProcessesOf(dir);
  assert.equal(now.length, 1, "a broker is up for the second process");
  assert.notDeepEqual(now, old, "it is a new broker, not the orphan being torn down");
  assert.ok(second.bootstrap);
  second.child.kill("SIGKILL");
  await waitFor("no broker left", () => javaProcessesOf(dir).length === 0, { timeoutMs: 20_000, intervalMs: 200 });
});
