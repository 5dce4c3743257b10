import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { repoRoot, collect } from "./helpers/cli";
import { tempDir, testKafka } from "./helpers/kafka";

// Every notebook in notebooks/ runs headlessly through the real tslab kernel (nbclient), in quick mode,
// against the embedded Kafka; any cell error fails the test.
const notebooksDir = path.join(repoRoot, "notebooks");
const python = path.join(repoRoot, ".venv", "bin", "python");
const notebooks = fs.readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();

export interface ExecutedNotebook {
  outputs: string;
  html: string;
}

async function execute(name: string): Promise<ExecutedNotebook> {
  const { stateDir } = await testKafka();
  const out = tempDir("perflab-nb-");
  const child = spawn(python, [path.join(repoRoot, "scripts", "execute_notebooks.py"), path.join(notebooksDir, name), "--html-dir", out, "--save-executed", out, "--cell-timeout", "300"], {
    cwd: repoRoot,
    env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_NOTEBOOK_MODE: "quick" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const r = await collect(child, 600_000);
  assert.equal(r.code, 0, `notebook ${name} failed:\n${r.stderr}`);
  const nb = JSON.parse(fs.readFileSync(path.join(out, name), "utf8"));
  const outputs = nb.cells
    .filter((c: { cell_type: string }) => c.cell_type === "code")
    .flatMap((c: { outputs: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }) => c.outputs)
    .map((o: { text?: string | string[]; data?: Record<string, string | string[]> }) => [o.text, ...Object.values(o.data ?? {})].flat().join(""))
    .join("\n");
  for (const c of nb.cells) if (c.cell_type === "code") assert.ok(!c.outputs.some((o: { output_type: string }) => o.output_type === "error"), `error output in ${name}`);
  return { outputs, html: fs.readFileSync(path.join(out, name.replace(/\.ipynb$/, ".html")), "utf8") };
}

test("notebooks/ holds the numbered notebooks, committed without outputs", () => {
  assert.ok(notebooks.length >= 1);
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), "utf8"));
    assert.equal(nb.metadata.kernelspec.name, "tslab", `${name} uses the tslab kernel`);
    for (const c of nb.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${name} is committed without outputs`);
  }
});

test("00-hello-kafka imports the lab by package name and prints message metadata", { timeout: 600_000 }, async () => {
  const { outputs } = await execute("00-hello-kafka.ipynb");
  assert.match(outputs, /Kafka 4\.\d+\.\d+ \(KRaft\) at 127\.0\.0\.1:\d+/);
  assert.match(outputs, /topic\s*│\s*partition\s*│\s*offset\s*│\s*timestamp\s*│\s*key/);
  assert.equal((outputs.match(/'key-\d'/g) ?? []).length, 10, "10 messages with their keys");
  assert.match(outputs, /leader\s*│\s*replicas\s*│\s*isr/);
});
