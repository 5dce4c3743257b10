// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..");

test("a run's environment names every client's installed version without loading the clients it does not use", () => {
  // In a fresh process: which client packages collecting the environment loads, and the versions it records,
  // against each package's own answer (platformatic's clientSoftwareVersion, kafkajs's package.json; amqplib's has the form of one).
  const script = `
    require("tsx/cjs");
    const { collectEnvironment } = require(${JSON.stringify(path.join(root, "src/experiment/environment.ts"))});
    const env = collectEnvironment("4.1.1");
    const loaded = Object.keys(require.cache).filter((f) => f.includes("node_modules/@platformatic/kafka/"));
    const truth = { kafkajs: require("kafkajs/package.json").version, platformatic: require("@platformatic/kafka").clientSoftwareVersion };
    console.log(JSON.stringify({ clients: env.clients, loaded: loaded.length, truth }));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { clients: Record<string, string>; loaded: number; truth: Record<string, string> };
  assert.equal(out.loaded, 0, "@platformatic/kafka was loaded just to read its version");
  assert.equal(out.clients.kafkajs, out.truth.kafkajs);
  assert.equal(out.clients.platformatic, out.truth.platformatic);
  assert.match(out.clients.amqplib ?? "", /^\d+\.\d+\.\d+/);
});
