// Test driver behind `npm test`. Node 20's runner has no globs or phases, so this script:
//   1. checks (full runs only): TypeScript over src/ and test/ (tsc --noEmit), ESLint, the architecture check;
//   2. runs the unit test files (no Kafka, no browser: marked `// test-kind: unit` in their first lines);
//   3. runs the integration files several at a time, each in a `node --test` of its own, longest first (by their
//      `// test-duration: ~N s` lines), beside 1 and 2 (every step's and file's output is printed in one block
//      when it ends); then the `// test-kind: exclusive` files (timing known answers) one at a time, alone;
//   4. takes down every Kafka cluster the tests shared, fails if any process of the run is left (and kills it),
//      and removes the run's folder: its shared clusters and every test's temporary files (TMPDIR); fails if a
//      test left a file in the work tree.
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
// Four files at a time: the integration files wait on brokers, timers and kernels much of the time. Measured on
// 2 cores: 3 at a time used 1.5 cores (772 s), 4 at a time 1.6 (670 s), 6 at a time 1.7 (657 s, the tests
// stretched by the contention, role processes slower than a 3 s start-up limit). (Measured when the files still ran
// in alphabetical order, see runPool.)
const CONCURRENCY = concurrencyArg >= 0 ? Number(args[concurrencyArg + 1]) : 4;
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) {
  console.error(`run-tests: --concurrency must be a whole number ≥ 1 (got ${JSON.stringify(args[concurrencyArg + 1] ?? "")})`);
  process.exit(2);
}
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
 * Integration files marked `// test-duration: ~N s` (N measured beside the others, see the file-times line at the
 * end of a run) start first, longest first: the run ends sooner when the long files do not start last.
 */
const estimateOf = (f) => Number(/\/\/ test-duration: ~(\d+) s/.exec(headOf(f))?.[1] ?? 0);
const longestFirst = (list) => [...list].sort((a, b) => estimateOf(b) - estimateOf(a));

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

// Everything a run writes goes under one folder of its own, removed at the end: the shared clusters, and (as
// TMPDIR) every test's temporary folders — its own clusters, workspaces, run directories: GiBs over a run.
const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-test-run-"));
const clusters = path.join(runRoot, "clusters");
const tmp = path.join(runRoot, "tmp");
for (const d of [clusters, tmp]) fs.mkdirSync(d);
// Test brokers, unless PERFLAB_BROKER_CONFIG is set: the controller writes its no-op metadata record every 5 s, not
// every 0.5 s. Idle brokers sit beside every test; measured, an idle 3-broker cluster 2.9–3.3 → 2.1–2.5 CPU-s a
// minute, one broker 0.7–1.1 → 0.67. (A killed broker fenced sooner, broker.session.timeout.ms 4 s, was tried and
// dropped: kafkajs's retries then outlast the outage and acks=0 loses nothing, which is another experiment.)
const TEST_BROKER_CONFIG = "metadata.max.idle.interval.ms=5000";
// Test brokers run on the JVM's client compiler only (PERFLAB_BROKER_JVM_OPTS, unless set): a broker that lives a
// minute spends much of its CPU compiling with C2, and the suite is CPU-bound on two cores. Measured (1 broker,
// 300k messages of 200 B): start 2.2 → 1.4 CPU-s, the load 3.7 → 2.0 CPU-s. Benchmarks keep the default JIT.
// Role processes and watchdogs that tests start from src/ run from dist/ when dist/ is built from this src/ (npm test
// builds it first): a role process then costs 0.35 CPU-s instead of 0.57 under tsx. After an edit without a build,
// they run from src/ through tsx, as before (slower, never stale).
const newestIn = (dir) =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true }).reduce((t, e) => (e.isFile() ? Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs) : t), 0);
const distIndex = path.join(root, "dist", "index.js");
const distCurrent = fs.existsSync(distIndex) && fs.statSync(distIndex).mtimeMs >= newestIn(path.join(root, "src"));
if (!distCurrent && !unitOnly) process.stderr.write("run-tests: dist/ is older than src/ (npm run build): role processes run from src/ through tsx\n");
const env = {
  ...process.env,
  ...(distCurrent ? { PERFLAB_CHILDREN_FROM_DIST: "1" } : {}),
  PERFLAB_TEST_CLUSTERS: clusters,
  PERFLAB_TEST_OWNER: String(process.pid),
  TMPDIR: tmp,
  PERFLAB_BROKER_JVM_OPTS: process.env.PERFLAB_BROKER_JVM_OPTS ?? "-XX:TieredStopAtLevel=1",
  PERFLAB_BROKER_CONFIG: process.env.PERFLAB_BROKER_CONFIG ?? TEST_BROKER_CONFIG,
  // test/helpers/linger.ts notes here each test file whose process outlived its last test (and what held it).
  PERFLAB_TEST_LINGER_LOG: path.join(runRoot, "lingering.log"),
};
const children = new Set();
/** Output of the captured steps that failed, printed again at the very end (a CI log often keeps only its tail). */
const failures = new Map();
let stopping = false;
let overTime = false; // past LIMIT_MS: no further file starts
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(0);

/**
 * Runs one step. Its output goes straight to the terminal, or (`captured`, for a step that runs beside the
 * integration files) is held and printed in one block when the step ends, so that two steps' lines never mix.
 */
function run(command, argv, label, captured = false) {
  return new Promise((resolve) => {
    process.stderr.write(`run-tests: ${label} (${secs()} s)\n`);
    const child = spawn(command, argv, { cwd: root, stdio: captured ? ["ignore", "pipe", "pipe"] : "inherit", env });
    children.add(child);
    const held = [];
    if (captured) for (const stream of [child.stdout, child.stderr]) stream.on("data", (d) => held.push(d));
    child.on("close", (code, signal) => {
      children.delete(child);
      const rc = code ?? (signal ? 1 : 0);
      if (captured) {
        const text = Buffer.concat(held).toString();
        process.stdout.write(`run-tests: ${label}: ${rc === 0 ? "passed" : "FAILED"} (${secs()} s)\n${text}`);
        if (rc !== 0) failures.set(label, text);
      }
      resolve(rc);
    });
  });
}

const nodeTest = (list, concurrency) => ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", "--test-reporter-destination=stdout", ...list];

/**
 * The integration files, `concurrency` at a time, longest first, each in a `node --test` of its own that the driver
 * starts itself. (One `node --test --test-concurrency=N` over the list runs its files in alphabetical order, whatever
 * order they are given in — measured on Node 20: the longest file, jupyterlab.test.ts, then started 139 s into the
 * run, and notebooks-5/-6 at 343 s, so the run ended with one or two files on two cores for ~100 s.) Each file's
 * output is printed in one block when it ends; the files that failed are named again at the end. Returns each
 * file's wall time and whether all passed.
 */
async function runPool(list, concurrency) {
  const queue = longestFirst(list);
  const times = new Map();
  const failedFiles = [];
  const worker = async () => {
    for (let f; !stopping && !overTime && (f = queue.shift()) !== undefined; ) {
      const name = path.relative(root, f);
      const t = performance.now();
      if ((await run(process.execPath, nodeTest([f], 1), name, true)) !== 0) failedFiles.push(name);
      times.set(f, performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  if (failedFiles.length) process.stderr.write(`run-tests: integration files that FAILED: ${failedFiles.join(", ")}\n`);
  return { ok: failedFiles.length === 0, times };
}

/**
 * What a failed file's output says about the failure, in at most 60 lines: node's spec reporter ends with a
 * "failing tests:" section (each failed test with its error and stack); without one (a crash before any test
 * ended), the output's last lines.
 */
function failureDetails(text) {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => /failing tests:/.test(l));
  const picked = at >= 0 ? lines.slice(at) : lines.slice(-60);
  return (picked.length > 60 ? [...picked.slice(0, 59), `… (${picked.length - 59} more lines in this file's output above)`] : picked).join("\n");
}

/** The slowest integration files of this run, with their estimates: one line. */
function slowestFiles(times) {
  const rows = [...times].sort((a, b) => b[1] - a[1]).slice(0, 10);
  return rows.map(([f, ms]) => `${path.relative(path.join(root, "test"), f)} ${Math.round(ms / 1000)} s (~${estimateOf(f)})`).join(", ");
}

/** Pids of the processes whose command line names a file of this run (brokers, watchdogs, roles, browsers). */
function processesOfRun() {
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(runRoot);
      } catch {
        return false; // exited meanwhile
      }
    });
}

async function teardown() {
  const lab = require(path.join(root, "dist", "index.js"));
  for (const name of fs.readdirSync(clusters).filter((d) => !d.includes("."))) {
    await lab.stopEmbeddedKafka({ stateDir: path.join(clusters, name) }).catch((e) => console.error(`run-tests: ${e.message}`));
  }
  // No process of the run may outlive it: the shared clusters are down now, and a test's own cluster is taken
  // down by its watchdog within seconds of its owner's exit. What is still there after 30 s is a leak: named, killed.
  let left = processesOfRun();
  for (const deadline = Date.now() + 30_000; left.length > 0 && Date.now() < deadline; left = processesOfRun()) await new Promise((r) => setTimeout(r, 500));
  const named = left.map((p) => {
    try {
      return `${p} (${fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ").slice(0, 160)})`;
    } catch {
      return p;
    }
  });
  for (const p of left) {
    try {
      process.kill(Number(p), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  fs.rmSync(runRoot, { recursive: true, force: true });
  return named;
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill(sig);
    await teardown();
    process.exit(130);
  });
}

const limit = setTimeout(() => {
  console.error(`run-tests: still running after ${LIMIT_MS / 60_000} min: stopping`);
  overTime = true;
  for (const c of children) c.kill("SIGTERM");
}, LIMIT_MS);
limit.unref();

// No test may leave files in the work tree (a JVM crash report, a notebook checkpoint, a report written to the
// project's reports/): what the tests write goes under TMPDIR. The work tree's files now and after the run, minus
// the folders that are built or cached on purpose.
const BUILT = new Set([".git", "node_modules", ".venv", "dist", ".perflab"]);
const workTreeFiles = (dir = root) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return dir === root && BUILT.has(e.name) ? [] : workTreeFiles(full);
    return [path.relative(root, full)];
  });
const filesBefore = new Set(workTreeFiles());

let failed = false;
try {
  // The checks and the unit files (one core's work for ~25 s) run beside the integration files, which wait on
  // brokers, kernels and timers much of the time: measured, the run ends ~15 s sooner than with them first.
  const beside = !unitOnly && byKind.integration.length > 0;
  const checksAndUnits = (async () => {
    if (runChecks) {
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
      const eslint = path.join(root, "node_modules", "eslint", "bin", "eslint.js");
      if ((await run(process.execPath, [tsc, "-p", "tsconfig.test.json"], "type-check src/ and test/ (tsc --noEmit)", beside)) !== 0) failed = true;
      if ((await run(process.execPath, [eslint, "src", "test", "bench", "examples", "scripts"], "lint (eslint)", beside)) !== 0) failed = true;
      if ((await run(process.execPath, [path.join(root, "scripts", "check-architecture.mjs")], "architecture: layers, no folder cycle, sizes", beside)) !== 0) failed = true;
    }
    if (byKind.unit.length && (await run(process.execPath, nodeTest(byKind.unit, beside ? 1 : os.cpus().length), `${byKind.unit.length} unit test files`, beside)) !== 0) failed = true;
  })();
  const integration = (async () => {
    if (unitOnly || !byKind.integration.length) return;
    process.stderr.write(`run-tests: ${byKind.integration.length} integration test files, ${CONCURRENCY} at a time, longest first (${secs()} s)\n`);
    const { ok, times } = await runPool(byKind.integration, CONCURRENCY);
    if (!ok) failed = true;
    process.stderr.write(`run-tests: slowest integration files: ${slowestFiles(times)}\n`);
  })();
  await Promise.all([checksAndUnits, integration]);
  // Alone at the end, one core mostly idle for ~35 s. Tried first, beside the checks only (one core's work): on a
  // fresh clone the consumer sleeping 2 ms per message took 2.71 ms per message there (limit 2.6), 2026-12-07.
  if (!unitOnly && byKind.exclusive.length && (await run(process.execPath, nodeTest(byKind.exclusive, 1), `${byKind.exclusive.length} test files that run alone (timing known answers)`)) !== 0) failed = true;
} finally {
  const lingering = fs.existsSync(env.PERFLAB_TEST_LINGER_LOG) ? fs.readFileSync(env.PERFLAB_TEST_LINGER_LOG, "utf8").trim() : "";
  const left = await teardown();
  const added = workTreeFiles().filter((f) => !filesBefore.has(f));
  if (added.length) {
    console.error(`run-tests: the tests left ${added.length} file(s) in the work tree: ${added.slice(0, 10).join(", ")}`);
    failed = true;
  }
  if (left.length) {
    console.error(`run-tests: ${left.length} process(es) of this run outlived it: ${left.join("; ")}`);
    failed = true;
  }
  // Reported, not failed: the connections were closed and the file's tests passed or failed on their own.
  if (lingering) process.stderr.write(`run-tests: test files whose process was held open after their last test (what held it is in their output, under LINGERING):\n${lingering}\n`);
  for (const [label, text] of failures) process.stderr.write(`run-tests: why ${label} failed:\n${failureDetails(text)}\n`);
  process.stderr.write(`run-tests: ${failed ? "FAILED" : "passed"} in ${secs()} s\n`);
  process.exitCode = failed ? 1 : 0;
}
