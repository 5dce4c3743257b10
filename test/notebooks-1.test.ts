// test-duration: ~95 s
// Notebooks 02, 03 and 09 (the others: notebooks-2 … -7, one to two minutes each, so that the driver runs them
// side by side; 00, 01, 04 and 12 run in JupyterLab itself, test/jupyterlab.test.ts, with the same checks).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./helpers/cli";
import { notebooks, notebooksDir, notebookTest } from "./helpers/notebooks";

test("notebooks/ holds the numbered notebooks 00–13, committed without outputs", () => {
  assert.deepEqual(notebooks.map((n) => n.slice(0, 2)), ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"]);
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), "utf8"));
    assert.equal(nb.metadata.kernelspec.name, "tslab", `${name} uses the tslab kernel`);
    for (const c of nb.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${name} is committed without outputs`);
    assert.ok(nb.cells.filter((c: { cell_type: string }) => c.cell_type === "markdown").length >= 2, `${name} explains itself in markdown`);
  }
});

test("every notebook is run by a test: headlessly (notebooks-*.test.ts) or in JupyterLab (jupyterlab.test.ts)", () => {
  const testDir = path.join(repoRoot, "test");
  const sources = fs.readdirSync(testDir).filter((f) => /^notebooks-\d+\.test\.ts$|^jupyterlab\.test\.ts$/.test(f)).map((f) => fs.readFileSync(path.join(testDir, f), "utf8")).join("\n");
  const run = (name: string) => sources.includes(`notebookTest("${name}"`) || sources.includes(`openNotebook("${name}"`);
  assert.deepEqual(notebooks.filter((n) => !run(n)), [], "notebooks no test runs");
});

notebookTest("02-loop-timing.ipynb", [/cold \(first run\)/, /group join/], 2);
notebookTest("03-end-to-end-latency.ipynb", [/orders-100B/, /images-20KB/, /CreateTime p99 \(ms\)/, /the cold first run vs the mean of the warm runs/, /orders-100B: cold p50 [\d.]+ ms = [\d.]+× warm/, /e2eLatencyP99Ms_mean/], 3);
notebookTest("09-memory.ipynb", [/MiB sampled in the consumer/, /selfMiB/, /Producer: allocation sites in your code, by line/, /GC pauses by kind \(ms\)/, /longest \(ms\)/], 3);
