// Test driver behind `npm test`. Node 20's runner has no globs or phases, so this script:
//   1. checks (full runs only): TypeScript over src/ and test/ (tsc --noEmit), ESLint, the architecture check;
//   2. runs the unit test files (no Kafka, no browser: marked `// test-kind: unit` in their first lines);
//   3. runs the integration files with several files at a time (those marked `// test-duration: long`
//      first, `// test-order: last` last), then the `// test-kind: exclusive` files
//      (timing known answers, benchmarks-like checks) one at a time, alone on the machine;
//   4. takes down every Kafka cluster the tests shared, and fails if any broker JVM is left.
// Usage: node scripts/run-tests.mjs [--unit] [--no-checks] [--concurrency N] [substring …]
//   --unit        unit tests only (seconds, no Kafka); substrings select test files by path.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const concurrencyArg = args.indexOf("--concurrency");
const CONCURRENCY = concurrencyArg >= 0 ? Number(args[concurrencyArg + 1]) : 3;
const filters = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--concurrency");
const unitOnly = flag("--unit");
const runChecks = !flag("--no-checks") && filters.length === 0;
const LIMIT_MS = 75 * 60_000; // CI allows 90 minutes for everything

const headOf = (file) => fs.readFileSync(file, "utf8").split("\n").slice(0, 5).join("\n");

function kindOf(file) {
  const m = /\/\/ test-kind: (unit|exclusive)/.exec(headOf(file));
  return m ? m[1] : "integration";
}

/**
 * Files marked `// test-duration: long` (minutes, mostly waiting on brokers) start first: the run ends sooner.
 * Files marked `// test-order: last` start last, in the run's tail, when fewer files share the two cores.
 */
const orderOf = (f) => (/\/\/ test-duration: long/.test(headOf(f)) ? 0 : /\/\/ test-order: last/.test(headOf(f)) ? 2 : 1);
const longFirst = (list) => [0, 1, 2].flatMap((d) => list.filter((f) => orderOf(f) === d));

const files = fs
  .readdirSync(path.join(root, "test"), { recursive: true })
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => path.join(root, "test", f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no test files match ${filters.join(" ")}`);
  process.exit(2);
}
const byKind = { unit: [], integration: [], exclusive: [] };
for (const f of files) byKind[kindOf(f)].push(f);

const clusters = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-test-clusters-"));
const env = { ...process.env, PERFLAB_TEST_CLUSTERS: clusters, PERFLAB_TEST_OWNER: String(process.pid) };
let child = null;
let stopping = false;
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(0);

function run(command, argv, label) {
  return new Promise((resolve) => {
    process.stderr.write(`run-tests: ${label} (${secs()} s)\n`);
    child = spawn(command, argv, { cwd: root, stdio: "inherit", env });
    child.on("close", (code, signal) => {
      child = null;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const nodeTest = (list, concurrency) => [
  "--import",
  "tsx",
  "--test",
  `--test-concurrency=${concurrency}`,
  "--test-reporter=spec",
  ...list,
];

async function teardown() {
  const lab = require(path.join(root, "dist", "index.js"));
  for (const name of fs.readdirSync(clusters).filter((d) => !d.includes("."))) {
    await lab.stopEmbeddedKafka({ stateDir: path.join(clusters, name) }).catch((e) => console.error(`run-tests: ${e.message}`));
  }
  // No broker of the shared clusters may outlive the run.
  const left = fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(clusters);
      } catch {
        return false; // exited meanwhile
      }
    });
  fs.rmSync(clusters, { recursive: true, force: true });
  return left;
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    child?.kill(sig);
    await teardown();
    process.exit(130);
  });
}

const limit = setTimeout(() => {
  console.error(`run-tests: still running after ${LIMIT_MS / 60_000} min: stopping`);
  child?.kill("SIGTERM");
}, LIMIT_MS);
limit.unref();

let failed = false;
try {
  if (runChecks) {
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    const eslint = path.join(root, "node_modules", "eslint", "bin", "eslint.js");
    if ((await run(process.execPath, [tsc, "-p", "tsconfig.test.json"], "type-check src/ and test/ (tsc --noEmit)")) !== 0) failed = true;
    if ((await run(process.execPath, [eslint, "src", "test", "bench", "examples", "scripts"], "lint (eslint)")) !== 0) failed = true;
    if ((await run(process.execPath, [path.join(root, "scripts", "check-architecture.mjs")], "architecture: layers, no folder cycle, sizes")) !== 0) failed = true;
  }
  if (byKind.unit.length && (await run(process.execPath, nodeTest(byKind.unit, os.cpus().length), `${byKind.unit.length} unit test files`)) !== 0) failed = true;
  if (!unitOnly) {
    if (byKind.integration.length && (await run(process.execPath, nodeTest(longFirst(byKind.integration), CONCURRENCY), `${byKind.integration.length} integration test files, ${CONCURRENCY} at a time`)) !== 0) failed = true;
    if (byKind.exclusive.length && (await run(process.execPath, nodeTest(byKind.exclusive, 1), `${byKind.exclusive.length} test files that run alone (timing known answers)`)) !== 0) failed = true;
  }
} finally {
  const left = await teardown();
  if (left.length) {
    console.error(`run-tests: ${left.length} process(es) of the shared test clusters outlived the run: ${left.join(", ")}`);
    failed = true;
  }
  process.stderr.write(`run-tests: ${failed ? "FAILED" : "passed"} in ${secs()} s\n`);
  process.exitCode = failed ? 1 : 0;
}
