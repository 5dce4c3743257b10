import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import type { Browser } from "playwright-core";
import { repoRoot, collect } from "./cli";
import { tempDir, testKafka } from "./kafka";
import { assertOpensOffline, launchBrowser } from "./browser";
import { errorOutputsOf, outputsText, type NotebookOutput } from "./outputs";

// Every notebook in notebooks/ runs headlessly through the real tslab kernel (nbclient), in quick mode,
// against the embedded Kafka; any cell error fails the test. Its exported HTML must then open offline in
// headless Chromium with every plot drawn and no console error. The notebooks are spread over several test
// files (test/notebooks-*.test.ts) so that the test driver runs them side by side; each notebook runs in a
// workspace of its own, and what a test checks comes from its own notebook's run.
export const notebooksDir = path.join(repoRoot, "notebooks");
const python = path.join(repoRoot, ".venv", "bin", "python");
export const notebooks = fs.readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
let browser: Browser | null = null;
after(async () => {
  await browser?.close();
});

export interface Executed {
  outputs: string;
  htmlFile: string;
  /** The notebook's own workspace: reports/ and profiles/ of its runs. */
  workspace: string;
}

export async function execute(name: string): Promise<Executed> {
  const { stateDir } = await testKafka();
  const out = tempDir("perflab-nb-");
  const workspace = tempDir("perflab-nb-ws-");
  const child = spawn(python, [path.join(repoRoot, "scripts", "execute_notebooks.py"), path.join(notebooksDir, name), "--html-dir", out, "--save-executed", out, "--cell-timeout", "400"], {
    cwd: repoRoot,
    env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace, PERFLAB_NOTEBOOK_MODE: "quick" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const r = await collect(child, 900_000);
  assert.equal(r.code, 0, `notebook ${name} failed:\n${r.stderr.slice(-4000)}`);
  const nb = JSON.parse(fs.readFileSync(path.join(out, name), "utf8"));
  const outs: NotebookOutput[] = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").flatMap((c: { outputs: NotebookOutput[] }) => c.outputs);
  assert.deepEqual(errorOutputsOf(outs), [], `error output in ${name}`);
  return { outputs: outputsText(outs), htmlFile: path.join(out, name.replace(/\.ipynb$/, ".html")), workspace };
}

/** Open the exported HTML offline: plots drawn, no console error, no request leaving the machine. */
export async function checkHtml(file: string, minFigures: number): Promise<void> {
  browser ??= await launchBrowser();
  await assertOpensOffline(await browser.newPage(), file, minFigures);
}

/**
 * The test of one notebook: it runs in quick mode without an error output, its outputs match `patterns`,
 * its HTML opens offline with at least `figures` figures drawn; `extra` checks more of that same run.
 */
export function notebookTest(name: string, patterns: RegExp[], figures: number, extra?: (run: Executed) => void): void {
  test(`${name} runs in quick mode and its HTML opens offline with its plots`, { timeout: 900_000 }, async () => {
    const run = await execute(name);
    for (const re of patterns) assert.match(run.outputs, re, `${name}: ${re}`);
    await checkHtml(run.htmlFile, figures);
    extra?.(run);
  });
}
