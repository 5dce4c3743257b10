// Test driver behind `npm test`: finds test files (Node 20's runner has no globs), starts one shared
// single-broker embedded Kafka for the integration tests, runs everything with node:test under tsx,
// and always takes the cluster down. Usage: node scripts/run-tests.mjs [substring …]
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const filters = process.argv.slice(2);

function testFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
}

const files = testFiles(path.join(root, "test"));
if (files.length === 0) {
  console.error(`run-tests: no test files match ${filters.join(" ")}`);
  process.exit(2);
}

const lab = require(path.join(root, "dist", "index.js"));
const testState = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-test-kafka-"));
let kafka = null;
let child = null;
let stopping = false;

async function cleanup() {
  if (kafka) await lab.stopEmbeddedKafka({ stateDir: testState }).catch((e) => console.error(`run-tests: ${e.message}`));
  kafka = null;
  fs.rmSync(testState, { recursive: true, force: true });
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    child?.kill(sig);
    await cleanup();
    process.exit(130);
  });
}

const t0 = performance.now();
try {
  process.stderr.write("run-tests: starting the shared embedded Kafka (1 broker) …\n");
  kafka = await lab.startEmbeddedKafka({ brokers: 1, basePort: "auto", stateDir: testState, owner: process.pid });
  process.stderr.write(`run-tests: Kafka ${kafka.kafkaVersion} at ${kafka.bootstrap.join(",")} (${((performance.now() - t0) / 1000).toFixed(1)} s); ${files.length} test files\n`);
  const code = await new Promise((resolve) => {
    child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
      {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, PERFLAB_TEST_STATE_DIR: testState, PERFLAB_TEST_BOOTSTRAP: kafka.bootstrap.join(",") },
      },
    );
    child.on("close", (c, s) => resolve(c ?? (s ? 1 : 0)));
  });
  process.exitCode = code;
} finally {
  await cleanup();
  process.stderr.write(`run-tests: done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
