// test-duration: ~40 s
// Embedded RabbitMQ: `perflab rabbitmq up | status | down`, a confirmed round trip counted message by message,
// RabbitMQ's own ready/unacked figures, and no beam.smp or epmd left after `down` or a dead owner.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import amqp from "amqplib";
import { errorLines, runCli, collect, repoRoot } from "../helpers/cli";
import { tempDir } from "../helpers/kafka";
import { processesMentioning } from "../../src/util/process";
import { waitFor } from "../../src/util/timeout";
import { amqpUrlOf, queueCounts, readRabbitState, type RabbitState } from "../../src/rabbitmq";

/** Every process of a node: its beam.smp and its own epmd (both name the node's private epmd port). */
function nodeProcesses(s: RabbitState): number[] {
  return [...new Set([...processesMentioning(`-epmd_port ${s.epmdPort} `), ...processesMentioning(`epmd -port ${s.epmdPort} `)])];
}

test("perflab rabbitmq up/status/down: a confirmed round trip with every message once, RabbitMQ's ready and unacked counts, the node checked by URL with its login, nothing left after down", { timeout: 240_000 }, async () => {
  const stateDir = tempDir("perflab-rmq-");
  const env = { PERFLAB_STATE_DIR: stateDir };
  const up = await runCli(["rabbitmq", "up"], { env, timeoutMs: 150_000 });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout.trim(), /^amqp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(up.stderr, /RabbitMQ 3\.\d+\.\d+ up: node perflab\d+@localhost ready in/);
  const s = readRabbitState(stateDir)!;
  try {
    assert.ok(nodeProcesses(s).length >= 2, "a beam.smp and an epmd of its own");
    const conn = await amqp.connect(amqpUrlOf(s));
    const queue = "perflab-roundtrip";
    const pub = await conn.createConfirmChannel();
    await pub.assertQueue(queue, { durable: true });
    const n = 2000;
    for (let i = 0; i < n; i++) pub.sendToQueue(queue, Buffer.from(String(i)), { persistent: true, messageId: String(i) });
    await pub.waitForConfirms();
    // Nothing consumed yet: RabbitMQ itself says all of them are ready (its statistics lag a little).
    await waitFor("the management API to count every message ready", async () => ((await queueCounts(s, queue)).ready === n ? true : undefined), { timeoutMs: 20_000, intervalMs: 250 });
    const status = await runCli(["rabbitmq", "status", "--json"], { env });
    const st = JSON.parse(status.stdout) as { up: boolean; queues: Array<{ name: string; ready: number; unacked: number }> };
    assert.equal(st.up, true);
    assert.deepEqual(st.queues.find((q) => q.name === queue), { name: queue, ready: n, unacked: 0, consumers: 0 });
    // A consumer that takes 300 (prefetch) and acknowledges none yet: RabbitMQ counts them unacked.
    const sub = await conn.createChannel();
    await sub.prefetch(300);
    const seen = new Map<number, number>();
    const held: amqp.ConsumeMessage[] = [];
    let ackAll = false;
    await sub.consume(queue, (m: amqp.ConsumeMessage | null) => {
      if (!m) return;
      const id = Number(m.content.toString());
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (ackAll) sub.ack(m);
      else held.push(m);
    });
    await waitFor("300 messages delivered and held", () => (held.length === 300 ? true : undefined), { timeoutMs: 20_000 });
    await waitFor("RabbitMQ to count 300 unacked", async () => {
      const c = await queueCounts(s, queue);
      return c.unacked === 300 && c.ready === n - 300 ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    ackAll = true;
    for (const m of held) sub.ack(m);
    await waitFor("every message consumed", () => (seen.size === n ? true : undefined), { timeoutMs: 30_000 });
    assert.deepEqual([...seen.values()].filter((c) => c !== 1), [], "each message exactly once");
    await conn.close();
    // The same node as an external RabbitMQ by URL: it answers and takes the login; a wrong password and
    // a port where nothing listens are one line each, exit 2, and the password is never printed.
    const url = `amqp://127.0.0.1:${s.amqpPort}`;
    const ok = await runCli(["rabbitmq", "status", "--url", url], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^RabbitMQ 3\\.\\d+\\.\\d+ at amqp://127\\.0\\.0\\.1:${s.amqpPort}/ answers; user guest logged in`));
    const secret = "Wr0ng-pa55-9d1e";
    const refused = await runCli(["rabbitmq", "status", "--url", `amqp://guest@127.0.0.1:${s.amqpPort}`], { env: { ...env, PERFLAB_RABBITMQ_PASSWORD: secret } });
    assert.equal(refused.code, 2);
    assert.deepEqual(errorLines(refused.stderr), [`perflab: RabbitMQ at amqp://127.0.0.1:${s.amqpPort}/ refused the login of user guest: check PERFLAB_RABBITMQ_USERNAME and PERFLAB_RABBITMQ_PASSWORD`]);
    assert.ok(!(refused.stdout + refused.stderr).includes(secret), "the password is never printed");
    const nobody = await runCli(["rabbitmq", "status", "--url", "amqp://127.0.0.1:1"], { env });
    assert.equal(nobody.code, 2);
    assert.deepEqual(errorLines(nobody.stderr), ["perflab: cannot reach RabbitMQ at amqp://127.0.0.1:1/ (--url): ECONNREFUSED"]);
  } finally {
    const down = await runCli(["rabbitmq", "down"], { env, timeoutMs: 60_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /stopped the RabbitMQ node; data removed/);
  }
  assert.deepEqual(nodeProcesses(s), [], "no beam.smp or epmd left");
  assert.equal(fs.existsSync(s.dir), false);
  const again = await runCli(["rabbitmq", "status"], { env });
  assert.match(again.stdout, /no embedded RabbitMQ node is up/);
});

test("an owned RabbitMQ node goes down when its owner is killed (SIGKILL): no beam.smp or epmd left", { timeout: 180_000 }, async () => {
  const stateDir = tempDir("perflab-rmq-owner-");
  const script = `const { startEmbeddedRabbitMQ } = require(${JSON.stringify(path.join(repoRoot, "dist", "rabbitmq"))});
startEmbeddedRabbitMQ({ stateDir: ${JSON.stringify(stateDir)}, owner: process.pid }).then((s) => { console.log("UP " + s.nodeName); setInterval(() => {}, 1000); }, (e) => { console.error(e.message); process.exit(1); });`;
  const owner = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  owner.stdout.on("data", (d) => (out += d));
  let s: RabbitState;
  try {
    await waitFor("the owner to start its node", () => (out.includes("UP ") ? true : undefined), { timeoutMs: 150_000 });
    s = readRabbitState(stateDir)!;
    assert.ok(nodeProcesses(s).length >= 2);
  } finally {
    owner.kill("SIGKILL"); // also when the start failed: the owner never outlives the test
  }
  // The watchdog stops the node, then its epmd, then removes its folder.
  await waitFor("the watchdog to take the node down and remove its state", () => (nodeProcesses(s).length === 0 && readRabbitState(stateDir) === null ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal(fs.existsSync(s.dir), false, "its folder is removed");
});

test("rabbitmq-server missing: one line naming it and how to get it, exit 2, nothing started", async () => {
  const stateDir = tempDir("perflab-rmq-missing-");
  const r = await collect(spawn(process.execPath, [path.join(repoRoot, "bin", "perflab.js"), "rabbitmq", "up"], { env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_RABBITMQ_SERVER: "/nonexistent/rabbitmq-server" }, stdio: ["ignore", "pipe", "pipe"] }), 30_000);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(errorLines(r.stderr), ["perflab: rabbitmq-server not found at PERFLAB_RABBITMQ_SERVER=/nonexistent/rabbitmq-server: install it (sudo apt-get install rabbitmq-server, or brew install rabbitmq), or run the compose service (docker compose up rabbitmq) and use its URL"]);
  assert.equal(fs.existsSync(path.join(stateDir, "rabbitmq")), false);
});
