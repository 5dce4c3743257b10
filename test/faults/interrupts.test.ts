// test-duration: ~40 s
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { waitFor } from "../../src/util/timeout";
import { collect, repoRoot, spawnCli } from "../helpers/cli";
import { roleProcessesOf, tempDir, testKafka } from "../helpers/kafka";

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

function latestRun(workspace: string): string | null {
  const reports = path.join(workspace, "reports");
  if (!fs.existsSync(reports)) return null;
  const runs = fs.readdirSync(reports).sort();
  return runs.length ? path.join(reports, runs.at(-1)!) : null;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`${signal} on \`perflab run\` mid-run: every role stops, what was measured is kept, the manifest says interrupted`, { timeout: 240_000 }, async () => {
    const { stateDir } = await testKafka();
    const workspace = tempDir("perflab-int-");
    const spec = path.join(workspace, "long.yaml");
    fs.writeFileSync(spec, "name: long\nworkload:\n  durationSec: 6\n  rate: 500\nrepetitions: 5\nwarmup: 0\n");
    const child = spawnCli(["run", spec], { env: { PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace } });
    const done = collect(child, 200_000);
    // Interrupt in the middle of the second repetition, after the first one completed.
    await waitFor("the first repetition to complete and the second to run", () => {
      const run = latestRun(workspace);
      if (!run || !fs.existsSync(path.join(run, "manifest.json"))) return false;
      const m = readJson(path.join(run, "manifest.json"));
      return m.repetitions.length === 1 && roleProcessesOf(run).length >= 2;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill(signal);
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    const run = latestRun(workspace)!;
    const m = readJson(path.join(run, "manifest.json"));
    assert.equal(m.state, "interrupted");
    assert.equal(m.repetitions[0].state, "completed", "the completed repetition is kept");
    assert.ok(m.repetitions.length <= 2);
    const accounting = readJson(path.join(run, "accounting.json"));
    assert.ok(accounting[0].consumed > 0);
    assert.ok(fs.existsSync(path.join(run, "report.html")), "a partial report is written");
    assert.match(fs.readFileSync(path.join(run, "report.html"), "utf8"), /state-interrupted/);
    assert.deepEqual(roleProcessesOf(run), [], "no role process is left");
    assert.match(r.stderr, /interrupted/);
  });
}

test("interrupting a notebook cell (a kernel interrupt) stops the run's background work and keeps its results", { timeout: 240_000 }, async () => {
  const { stateDir } = await testKafka();
  const workspace = tempDir("perflab-nbint-");
  const python = path.join(repoRoot, ".venv", "bin", "python");
  // A real tslab kernel: run a long experiment in a cell, interrupt the kernel after a few seconds.
  const script = `
import json, sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="tslab", cwd=${JSON.stringify(path.join(repoRoot, "notebooks"))})
try:
    code = '''import * as lab from "kafka-perf-lab";
const r = await lab.runExperiment({ name: "nb-interrupt", workload: { durationSec: 8, rate: 300 }, repetitions: 5, warmup: 0 }, { progress: "none" });
console.log("RESULT " + JSON.stringify({ state: r.state, dir: r.runDir, reps: r.repetitions.length }));'''
    msg_id = kc.execute(code)
    # Interrupt once the first repetition is complete (not after a fixed time: a busy machine is slower).
    import glob, os
    deadline = time.time() + 150
    while time.time() < deadline:
        done = False
        for f in glob.glob(os.path.join(os.environ["PERFLAB_WORKSPACE"], "reports", "*", "manifest.json")):
            try:
                done = done or any(r.get("state") == "completed" for r in json.load(open(f)).get("repetitions", []))
            except ValueError:
                pass  # being written
        if done:
            break
        time.sleep(0.25)
    time.sleep(1)
    km.interrupt_kernel()
    out = []
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=5)
        except Exception:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "stream":
            out.append(m["content"]["text"])
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    print("".join(out))
    # In JupyterLab the kernel lives on after an interrupt; give the run time to stop and record itself.
    deadline = time.time() + 60
    while time.time() < deadline:
        states = [json.load(open(f)).get("state") for f in glob.glob(os.path.join(os.environ["PERFLAB_WORKSPACE"], "reports", "*", "manifest.json"))]
        if states and all(s != "running" for s in states):
            break
        time.sleep(0.5)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;
  const child = spawn(python, ["-c", script], { env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace }, stdio: ["ignore", "pipe", "pipe"] });
  const r = await collect(child, 200_000);
  assert.equal(r.code, 0, r.stderr);
  // tslab ends the interrupted cell at once ("Interrupted asynchronously"); the run, left in the
  // background, must notice the interrupt itself, stop its roles and record what it measured.
  // One line, not tslab's stack trace: what happened and where the partial run is.
  assert.match(r.stdout, /Interrupted: the run stops its roles and keeps what it measured in \S*reports\/\d{8}-\d{6}-nb-interrupt-\w+/);
  assert.doesNotMatch(r.stdout, /^\s+at /m, "no stack trace");
  const run = latestRun(workspace)!;
  const m = await waitFor("the interrupted run to record its state", () => {
    const x = readJson(path.join(run, "manifest.json"));
    return x.state !== "running" ? x : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal(m.state, "interrupted");
  assert.ok(m.repetitions.length >= 1 && m.repetitions.length < 5, `${m.repetitions.length} repetitions`);
  assert.equal(m.repetitions[0].state, "completed");
  await waitFor("every role of the interrupted run to be gone", () => roleProcessesOf(run).length === 0, { timeoutMs: 30_000 });
});
