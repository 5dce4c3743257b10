// A notebook's kernel whose Jupyter side dies (kill -9 of the server, or of a headless executor) exits, and
// the Kafka cluster it started goes with it: nothing a notebook started outlives it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { isAlive } from "../src/util/process";
import { waitFor } from "../src/util/timeout";
import { repoRoot } from "./helpers/cli";
import { tempDir } from "./helpers/kafka";

const python = path.join(repoRoot, ".venv", "bin", "python");

function notebook(cells: string[]): object {
  return {
    cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("kill -9 of the process that started a tslab kernel: the kernel exits, and the Kafka cluster it started is taken down", { timeout: 240_000 }, async () => {
  const dir = tempDir("perflab-kernel-parent-");
  // The lab by its package name, as in notebooks/ (tslab resolves imports from the notebook's folder).
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(repoRoot, path.join(dir, "node_modules", "kafka-perf-lab"), "dir");
  const info = path.join(dir, "kernel.json");
  const nbFile = path.join(dir, "orphan.ipynb");
  fs.writeFileSync(
    nbFile,
    JSON.stringify(
      notebook([
        [
          'import * as lab from "kafka-perf-lab";',
          'import fs from "node:fs";',
          'const kafka = await lab.ensureEmbeddedKafka({ brokers: 1, owner: process.pid, basePort: "auto" });',
          `fs.writeFileSync(${JSON.stringify(info)}, JSON.stringify({ kernel: process.pid, brokers: kafka.state.brokers.map((b) => b.pid) }));`,
        ].join("\n"),
        "await new Promise((resolve) => setTimeout(resolve, 600_000));",
      ]),
    ),
  );
  const executor = spawn(python, [path.join(repoRoot, "scripts", "execute_notebooks.py"), nbFile, "--cell-timeout", "900"], {
    cwd: repoRoot,
    env: { ...process.env, PERFLAB_STATE_DIR: path.join(dir, "state"), PERFLAB_WORKSPACE: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  executor.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // Its exit, not the end of its output: a kernel it started inherits the pipe and may hold it open.
  const exited = new Promise<void>((resolve) => executor.once("exit", () => resolve()));
  let pids: { kernel: number; brokers: number[] } | null = null;
  try {
    await waitFor("the kernel to start a cluster and write its pids", () => fs.existsSync(info), { timeoutMs: 150_000, intervalMs: 250, detail: () => stderr.slice(-2000) });
    pids = JSON.parse(fs.readFileSync(info, "utf8")) as { kernel: number; brokers: number[] };
    const { kernel, brokers } = pids;
    assert.ok(isAlive(kernel) && brokers.length === 1 && brokers.every(isAlive), "kernel and broker up before the kill");
    executor.kill("SIGKILL"); // no chance to shut its kernel down
    await exited;
    await waitFor("the orphaned kernel to exit", () => !isAlive(kernel), { timeoutMs: 20_000, intervalMs: 200 });
    await waitFor("its broker to be taken down by the watchdog", () => !brokers.some(isAlive), { timeoutMs: 30_000, intervalMs: 200 });
  } finally {
    // Whatever failed, leave nothing running.
    executor.kill("SIGKILL");
    executor.stderr.destroy();
    for (const pid of pids ? [pids.kernel, ...pids.brokers] : []) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
});
