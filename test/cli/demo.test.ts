// test-duration: ~45 s
// `npm run demo` as a new user's first command: a machine with no cluster (a state folder of its own), the demo
// starts Kafka, runs the example pipeline with a CPU profile and exact call counts, prints the summary and the
// consumer's functions, writes the report, and takes down the Kafka it started.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { collect, errorLines, runCli, spawnCli } from "../helpers/cli";
import { javaProcessesOf, tempDir } from "../helpers/kafka";
import { runFunctionTable } from "../../src/profiling";

test("perflab demo on a machine with no cluster: a completed run with exact accounting and call counts, a report, and its Kafka gone after", { timeout: 300_000 }, async () => {
  const dir = tempDir("perflab-demo-");
  const stateDir = path.join(dir, "state");
  const workspace = path.join(dir, "work");
  fs.mkdirSync(workspace);
  // Free ports: notebooks that other test files run start clusters on the default ones.
  const r = await runCli(["demo", "--port", "auto"], { cwd: workspace, env: { PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace }, timeoutMs: 280_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  // The small run: 1 cold + 5 warm repetitions of 2 producers × 2,500 messages, every message accounted for.
  assert.match(out, /Configuration c1: ratings-pipeline\s+\(5 warm repetitions \+ 1 cold\)/);
  assert.match(out, /Messages: +produced 25,000 · acked 25,000 · consumed 25,000 · duplicates 0 · lost 0/);
  // An interval of a time is never below zero (issue #9's first demo printed "-458.4 ms … 1462.5 ms").
  const ci = /95% CI of the mean (-?[\d.]+) (ms|s) … (-?[\d.]+) (ms|s)/.exec(out);
  assert.ok(ci, "the producer loop's confidence interval");
  const [low, high] = [Number(ci[1]) * (ci[2] === "s" ? 1000 : 1), Number(ci[3]) * (ci[4] === "s" ? 1000 : 1)];
  assert.ok(low >= 0 && high > low, `a confidence interval of a duration: ${ci[0]}`);
  // The consumer's top functions by self time, as printed: the header and 8 rows.
  const printed = out.split("\n");
  const header = printed.findIndex((l) => /^ncalls +tottime ms +percall +cumtime ms/.test(l));
  assert.ok(header > 0, `the consumer's function table:\n${out}`);
  assert.equal(printed.slice(header + 1, header + 9).filter((l) => /^ *(\d+|–) +[\d.,]+ /.test(l)).length, 8, printed.slice(header, header + 9).join("\n"));
  // The report it names exists, relative to where the demo ran.
  const report = /^report: +(\S+)/m.exec(out)?.[1];
  assert.ok(report && fs.existsSync(path.resolve(workspace, report)), `report ${report}`);
  assert.match(out, /^run: +\S+ +\(completed, /m);
  // The consumer's handler ran once per message of the calls repetition: 5,000 exact calls, in the run's function
  // table whether or not it is among the top 8 by self time.
  const runDir = path.resolve(workspace, /^run: +(\S+)/m.exec(out)![1]!);
  const handle = runFunctionTable(runDir, { role: "consumer" }).rows.filter((row) => row.name === "handle" && row.url.endsWith(path.join("examples", "ratings", "mean-processor.ts")));
  assert.equal(handle.length, 1, "the handler, once");
  assert.equal(handle[0]!.calls, 5000);
  // A line per repetition as it ended (the progress lines between are throttled), and the Kafka it started is down.
  for (const [rep, kind] of [[1, "warmup, cold"], [2, "measured"], [6, "measured"], [7, "profile"], [8, "calls"]] as const) {
    assert.match(r.stderr, new RegExp(`rep ${rep} \\(${kind}\\): producer loop [\\d.]+ ms, [\\d,]+ msg/s · acked 5000/5000, consumed 5000, dup 0, lost 0`));
  }
  assert.match(r.stderr, /Kafka down/);
  assert.deepEqual(javaProcessesOf(stateDir), [], "the demo's broker is gone");
});

test("perflab demo interrupted (Ctrl-C) in its first repetitions: exit 130, the run kept as interrupted, no function table asked for, its Kafka gone", { timeout: 300_000 }, async () => {
  const dir = tempDir("perflab-demo-int-");
  const stateDir = path.join(dir, "state");
  const workspace = path.join(dir, "work");
  fs.mkdirSync(workspace);
  const child = spawnCli(["demo", "--port", "auto"], { cwd: workspace, env: { PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace } });
  // Ctrl-C 2 s after the run starts: in its first repetitions, well before the profile one (the 7th).
  let seen = "";
  let timer: NodeJS.Timeout | undefined;
  child.stderr!.on("data", (d) => {
    seen += d;
    if (!timer && /^running .*pipeline\.yaml/m.test(seen)) timer = setTimeout(() => child.kill("SIGINT"), 2000);
  });
  const r = await collect(child, 280_000);
  assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^run: +\S+ +\(interrupted, /m);
  assert.match(r.stderr, /no function table: the run was interrupted before its profile repetition/);
  assert.match(r.stderr, /Kafka down/);
  assert.deepEqual(javaProcessesOf(stateDir), [], "the demo's broker is gone");
});

test("perflab demo --port with a port that cannot be a broker's: one line naming the option, exit 2, no cluster", async () => {
  const stateDir = tempDir("perflab-demo-bad-");
  const r = await runCli(["demo", "--port", "80"], { env: { PERFLAB_STATE_DIR: stateDir } });
  assert.equal(r.code, 2);
  assert.deepEqual(errorLines(r.stderr), [`perflab: option '--port <base>' argument '80' is invalid. must be a port from 1024 to 65000, or auto (got "80")`]);
  assert.deepEqual(fs.readdirSync(stateDir), [], "nothing written");
});
