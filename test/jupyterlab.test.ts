// test-duration: ~290 s
// JupyterLab as a user lives in it: `npm run lab`'s own start script (as root it must add --allow-root),
// driven in Chromium with playwright-core the way Galata does (open by path, Run All, wait for every
// execution count and an idle kernel). Notebook 00 and three experiment notebooks in quick mode: no error
// output, every figure drawn; the page reloaded and a second tab: still drawn; a rerun after the reload;
// Kernel ▸ Interrupt on a long cell: one line, the kernel idle within 10 s, no role process left, a rerun
// works; the flamegraph link opens the flamegraph through the Jupyter server; File ▸ Save and Export
// Notebook As ▸ HTML (sanitizing on, as by default) opens offline with every figure drawn. These four
// notebooks are tested here only, with every check the headless notebook tests make (their outputs' patterns,
// no error output in the model, the HTML export offline with its figures, notebook 12's known answers):
// running them a second time through nbclient would cost the suite about 200 s of a busy core.
// Screenshots of every page go to .perflab/test-artifacts/jupyterlab/ when a test fails.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { repoRoot } from "./helpers/cli";
import { assertOpensOffline, launchBrowser } from "./helpers/browser";
import { errorOutputsOf, outputsText, type NotebookOutput } from "./helpers/outputs";
import { javaProcessesOf, roleProcessesOf, tempDir } from "./helpers/kafka";
import { waitFor } from "../src/util/timeout";
import { processesMentioning } from "../src/util/process";
import { readRabbitState } from "../src/rabbitmq";
import { loadRun } from "../src/results";

const token = `t${Math.random().toString(36).slice(2)}`;
// Inside the repository (so the kernel resolves kafka-perf-lab from its node_modules), never the committed notebooks.
const lab = fs.mkdtempSync(path.join(repoRoot, ".perflab", "jlab-"));
const nbDir = path.join(lab, "notebooks");
const workspace = tempDir("perflab-jlab-ws-");
// A state folder of its own: the kernels start their Kafka cluster and RabbitMQ node there (and stop them),
// so this file can run beside the notebook tests, which use the shared cluster's folder.
const stateDir = tempDir("perflab-jlab-state-");
const artifacts = path.join(repoRoot, ".perflab", "test-artifacts", "jupyterlab");
let server: ChildProcess | null = null;
let serverLog = "";
let port = 0;
let browser: Browser | null = null;
let context: BrowserContext | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

before(async () => {
  fs.mkdirSync(nbDir, { recursive: true });
  for (const nb of ["00-hello-kafka.ipynb", "01-quickstart.ipynb", "04-hot-spots.ipynb", "12-kafka-vs-rabbitmq.ipynb"]) fs.copyFileSync(path.join(repoRoot, "notebooks", nb), path.join(nbDir, nb));
  fs.symlinkSync(path.join(repoRoot, "examples"), path.join(lab, "examples"));
  fs.writeFileSync(path.join(nbDir, "params.json"), JSON.stringify({ mode: "quick" }));
  port = await freePort();
  // The user's command: scripts/lab.sh (what `npm run lab` runs after the set-up), on the copied notebooks.
  server = spawn("bash", [path.join(repoRoot, "scripts", "lab.sh"), `--notebook-dir=${nbDir}`, `--port=${port}`, "--no-browser", `--IdentityProvider.token=${token}`, "--LabApp.expose_app_in_browser=True"], {
    cwd: repoRoot,
    env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace, JUPYTER_CONFIG_DIR: path.join(lab, "config"), JUPYTER_RUNTIME_DIR: path.join(lab, "runtime") },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stdout!.on("data", (d) => (serverLog += d));
  server.stderr!.on("data", (d) => (serverLog += d));
  await waitFor("JupyterLab to listen", async () => {
    if (server!.exitCode !== null) throw new Error(`JupyterLab exited with ${server!.exitCode}`);
    return (await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`).then((r) => r.ok).catch(() => false)) || undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 }).catch((err) => {
    throw new Error(`${(err as Error).message}\n${serverLog.slice(-3000)}`);
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
});

afterEach(async (t) => {
  // A failed test leaves its pages as screenshots (the test report names the folder).
  if ((t as unknown as { passed?: boolean }).passed === false && context) {
    fs.mkdirSync(artifacts, { recursive: true });
    for (const [i, p] of context.pages().entries()) await p.screenshot({ path: path.join(artifacts, `${t.name.replace(/\W+/g, "-").slice(0, 60)}-${i}.png`), fullPage: true }).catch(() => undefined);
  }
});

after(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  // Kernels first, through the API (as File ▸ Shut Down does): a kernel is in a process group of its own and
  // would outlive a killed server.
  const kernels = (await fetch(`http://127.0.0.1:${port}/api/kernels?token=${token}`).then((r) => r.json()).catch(() => [])) as Array<{ id: string }>;
  for (const k of kernels) await fetch(`http://127.0.0.1:${port}/api/kernels/${k.id}?token=${token}`, { method: "DELETE" }).catch(() => undefined);
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await waitFor("JupyterLab to stop", () => (server!.exitCode !== null || server!.signalCode !== null ? true : undefined), { timeoutMs: 20_000 }).catch(() => {
      process.kill(-server!.pid!, "SIGKILL");
    });
  }
  // Whatever kernel the server could not stop still names this lab's runtime folder: none may be left.
  await waitFor("every kernel of this JupyterLab to exit", () => (processesMentioning(path.join(lab, "runtime")).length === 0 ? true : undefined), { timeoutMs: 20_000 }).catch(() => {
    for (const pid of processesMentioning(path.join(lab, "runtime"))) process.kill(pid, "SIGKILL");
    assert.fail("a kernel outlived JupyterLab");
  });
  // The Kafka cluster the kernels started goes with its last owner (its watchdog stops it).
  await waitFor("the kernels' Kafka brokers to stop", () => (javaProcessesOf(stateDir).length === 0 ? true : undefined), { timeoutMs: 60_000 }).catch(() => {
    for (const pid of javaProcessesOf(stateDir)) process.kill(pid, "SIGKILL");
    assert.fail("a broker outlived the kernels that started it");
  });
  fs.rmSync(lab, { recursive: true, force: true });
});

type Win = Window & { jupyterapp: { commands: { execute(id: string, args?: unknown): Promise<unknown> }; shell: { currentWidget: unknown } } };

async function openNotebook(name: string, page?: Page): Promise<Page> {
  const p = page ?? (await context!.newPage());
  // A workspace of its own per page: JupyterLab would otherwise restore the tabs of earlier pages, and the
  // current widget could be another notebook for a moment.
  await p.goto(`http://127.0.0.1:${port}/lab/workspaces/w${Math.random().toString(36).slice(2)}/tree/${name}?token=${token}`);
  await p.waitForFunction((n) => {
    const w = (window as unknown as Win).jupyterapp?.shell.currentWidget as { context?: { path?: string } } | null | undefined;
    return w?.context?.path === n;
  }, name, { timeout: 90_000 });
  await p.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
  await kernelIdle(p, 120_000);
  return p;
}

/** The current notebook's kernel: its name and whether it is idle. */
async function kernel(p: Page): Promise<{ name: string | null; status: string | null }> {
  return p.evaluate(() => {
    const w = (window as unknown as Win).jupyterapp.shell.currentWidget as { sessionContext?: { session?: { kernel?: { name: string; status: string } } } } | null;
    const k = w?.sessionContext?.session?.kernel;
    return { name: k?.name ?? null, status: k?.status ?? null };
  });
}

async function kernelIdle(p: Page, timeoutMs: number): Promise<void> {
  let last: { name: string | null; status: string | null } = { name: null, status: null };
  await waitFor("the kernel to be idle", async () => ((last = await kernel(p)).status === "idle" ? true : undefined), { timeoutMs, intervalMs: 250 }).catch((err: Error) => {
    // Say what the kernel was doing, and what the server said, so a failure here can be told apart from the next one.
    throw new Error(`${err.message}: kernel ${last.name ?? "(none)"} was ${last.status ?? "(no session)"}\n${serverLog.slice(-3000)}`);
  });
}

/**
 * Run All, then wait for every code cell to have an execution count (no "[*]") and an idle kernel. A cell that
 * fails stops Run All: the cells after it are never run, so the wait ends there, naming what the notebook
 * wrote to stderr, instead of running into its timeout.
 */
async function runAll(p: Page, timeoutMs: number): Promise<void> {
  await p.evaluate(() => (window as unknown as Win).jupyterapp.commands.execute("notebook:run-all-cells"));
  let stoppedPolls = 0;
  await waitFor(
    "every cell to run",
    async () => {
      const prompts = await p.$$eval(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt", (els) => els.map((e) => e.textContent ?? ""));
      if (prompts.length > 0 && prompts.every((t) => /\[\d+\]/.test(t))) return true;
      const stopped = prompts.some((t) => /\[\d+\]/.test(t)) && !prompts.some((t) => t.includes("*")) && (await kernel(p)).status === "idle";
      stoppedPolls = stopped ? stoppedPolls + 1 : 0;
      if (stoppedPolls >= 4) {
        const stderr = await p.$$eval('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', (els) => els.map((e) => e.textContent ?? "").join("\n"));
        const lines = stderr.split("\n").filter((l) => l.trim());
        const errorLine = lines.filter((l) => /^\w*(Error|Exception)\b.*?: /.test(l)).at(-1);
        throw new Error(`Run All stopped before the last cell: ${errorLine ?? (lines.slice(-5).join(" | ") || "no stderr output")}`);
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
  await kernelIdle(p, 30_000);
}

async function figures(p: Page): Promise<{ divs: number; drawn: number }> {
  return p.evaluate(() => ({ divs: document.querySelectorAll(".jp-Notebook .plab-figure").length, drawn: document.querySelectorAll(".jp-Notebook .plab-figure .main-svg").length }));
}

async function allDrawn(p: Page, min: number): Promise<void> {
  await waitFor(`${min}+ figures drawn`, async () => {
    const f = await figures(p);
    return f.divs >= min && f.drawn >= f.divs ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 }).catch(async (err) => {
    throw new Error(`${(err as Error).message}: ${JSON.stringify(await figures(p))}`);
  });
}

/**
 * Every output of the current notebook, from its model (JupyterLab renders only the cells in view), checked as
 * the headless notebook tests check theirs: no error output, and the text matches every pattern.
 */
async function outputsMatch(p: Page, name: string, patterns: RegExp[]): Promise<string> {
  const outs = await p.evaluate(() => {
    type Cells = { length: number; get(i: number): { toJSON(): { outputs?: unknown[] } } };
    const cells = ((window as unknown as Win).jupyterapp.shell.currentWidget as { content: { model: { cells: Cells } } }).content.model.cells;
    return Array.from({ length: cells.length }, (_, i) => cells.get(i).toJSON().outputs ?? []).flat() as NotebookOutput[];
  });
  assert.deepEqual(errorOutputsOf(outs), [], `${name}: no error output`);
  const text = outputsText(outs);
  for (const re of patterns) assert.match(text, re, `${name}: ${re}`);
  return text;
}

/** File ▸ Save and Export Notebook As ▸ HTML, as the menu does it (sanitizing on, JupyterLab's default), opened offline. */
async function exportOpensOffline(p: Page, name: string, min: number): Promise<void> {
  await p.evaluate(() => (window as unknown as Win).jupyterapp.commands.execute("docmanager:save"));
  const exported = await context!.request.get(`http://127.0.0.1:${port}/nbconvert/html/${name}?download=true&sanitize_html=true&token=${token}`);
  assert.equal(exported.status(), 200);
  const file = path.join(tempDir("perflab-jlab-export-"), name.replace(/\.ipynb$/, ".html"));
  fs.writeFileSync(file, await exported.body());
  await assertOpensOffline(await context!.newPage(), file, min);
}

async function errorOutputs(p: Page): Promise<string[]> {
  return p.$$eval(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']", (els) => els.map((e) => (e.textContent ?? "").slice(0, 300)).filter((t) => /error|exception|failed/i.test(t)));
}

test("JupyterLab starts with `npm run lab`'s script (as root too) and registers only the TypeScript kernel", async () => {
  const specs = (await (await fetch(`http://127.0.0.1:${port}/api/kernelspecs?token=${token}`)).json()) as { default: string; kernelspecs: Record<string, unknown> };
  assert.deepEqual(Object.keys(specs.kernelspecs), ["tslab"], "no JavaScript or Python kernel to be picked by mistake");
  assert.equal(specs.default, "tslab");
  if (process.getuid?.() === 0) assert.doesNotMatch(serverLog, /Running as root is not recommended/);
});

test("notebook 00 opens on the TypeScript kernel without a dialog and runs cleanly", { timeout: 300_000 }, async () => {
  const p = await openNotebook("00-hello-kafka.ipynb");
  assert.equal(await p.locator(".jp-Dialog").count(), 0, "no kernel dialog");
  assert.equal((await kernel(p)).name, "tslab");
  await runAll(p, 180_000);
  assert.deepEqual(await errorOutputs(p), []);
  assert.match(await p.locator(".jp-Notebook").innerText(), /Kafka 4\.\d+\.\d+ \(KRaft\)/);
  // It imports the lab by package name and prints message metadata.
  const text = await outputsMatch(p, "00-hello-kafka.ipynb", [/Kafka 4\.\d+\.\d+ \(KRaft\) at 127\.0\.0\.1:\d+/, /topic\s*│\s*partition\s*│\s*offset\s*│\s*timestamp\s*│\s*key/]);
  assert.equal((text.match(/'key-\d'/g) ?? []).length, 10, "10 messages with their keys");
  await p.close();
});

test("01-quickstart: every figure drawn; after a reload, in a second tab and after a rerun still drawn; no output carries plotly.js", { timeout: 600_000 }, async () => {
  const p = await openNotebook("01-quickstart.ipynb");
  await runAll(p, 400_000);
  assert.deepEqual(await errorOutputs(p), []);
  await outputsMatch(p, "01-quickstart.ipynb", [/Producer loop: +[\d.]+ (ms|s) ± /, /state: completed/, /DataFrames: summary \d+,\d+/]);
  await allDrawn(p, 2);
  await p.evaluate(() => (window as unknown as Win).jupyterapp.commands.execute("docmanager:save"));
  await waitFor("the notebook to be saved", () => (fs.statSync(path.join(nbDir, "01-quickstart.ipynb")).size > 20_000 ? true : undefined), { timeoutMs: 30_000 });
  // The saved notebook holds each figure's JSON, never the 4.9 MB bundle.
  const saved = fs.readFileSync(path.join(nbDir, "01-quickstart.ipynb"), "utf8");
  assert.ok(saved.length < 2_000_000, `saved notebook is ${saved.length} bytes`);
  assert.doesNotMatch(saved, /Plotly\.register|plotly\.js v\d/);
  assert.match(saved, /application\/vnd\.plotly\.v1\+json/);
  await exportOpensOffline(p, "01-quickstart.ipynb", 2);
  // Reload the page: the outputs come back from the file and draw again.
  await p.reload();
  await p.waitForFunction(() => ((window as unknown as Win).jupyterapp?.shell.currentWidget as { context?: { path?: string } } | null)?.context?.path === "01-quickstart.ipynb", null, { timeout: 90_000 });
  await p.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
  await allDrawn(p, 2);
  // A second tab on the same notebook.
  const second = await openNotebook("01-quickstart.ipynb");
  await allDrawn(second, 2);
  await second.close();
  // Rerun the last figure cell after the reload: drawn again.
  const idx = await p.$$eval(".jp-Notebook .jp-Cell", (cells) => cells.map((c, i) => (c.querySelector(".plab-figure") ? i : -1)).filter((i) => i >= 0).at(-1)!);
  await p.evaluate(async (i) => {
    const app = (window as unknown as Win).jupyterapp;
    const nb = (app.shell.currentWidget as { content: { activeCellIndex: number } }).content;
    nb.activeCellIndex = i;
    await app.commands.execute("notebook:run-cell");
  }, idx);
  await kernelIdle(p, 120_000);
  await allDrawn(p, 2);
  await p.close();
});

test("Kernel ▸ Interrupt on a long cell: one line naming the partial run, an idle kernel within 10 s, no role left, a rerun works", { timeout: 300_000 }, async () => {
  const p = await openNotebook("00-hello-kafka.ipynb");
  const cell = `const long = await lab.runExperiment({ name: "jlab-interrupt", workload: { durationSec: 60, rate: 200 }, repetitions: 3, warmup: 0 }, { progress: "none" });`;
  await p.evaluate(async (code) => {
    const app = (window as unknown as Win).jupyterapp;
    await app.commands.execute("notebook:insert-cell-below");
    const nb = (app.shell.currentWidget as { content: { activeCell: { model: { sharedModel: { setSource(s: string): void } } } } }).content;
    nb.activeCell.model.sharedModel.setSource(code);
    void app.commands.execute("notebook:run-cell");
  }, `import * as lab from "kafka-perf-lab";\n${cell}`);
  await waitFor("the run to start", () => (fs.existsSync(path.join(workspace, "reports")) && fs.readdirSync(path.join(workspace, "reports")).some((d) => d.includes("jlab-interrupt")) ? true : undefined), { timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 4000));
  const t0 = Date.now();
  await p.evaluate(() => (window as unknown as Win).jupyterapp.commands.execute("kernelmenu:interrupt"));
  await kernelIdle(p, 10_000);
  assert.ok(Date.now() - t0 <= 10_000);
  const text = await p.locator(".jp-Notebook .jp-Cell.jp-mod-active .jp-OutputArea").innerText();
  assert.match(text, /Interrupted: the run stops its roles and keeps what it measured in \S*reports\/\S*jlab-interrupt/);
  assert.ok(text.trim().split("\n").length <= 2, `one line, got:\n${text}`);
  const runDir = path.join(workspace, "reports", fs.readdirSync(path.join(workspace, "reports")).find((d) => d.includes("jlab-interrupt"))!);
  await waitFor("every role of the interrupted run to stop", () => (roleProcessesOf(runDir).length === 0 ? true : undefined), { timeoutMs: 30_000 });
  // The kernel works on: a rerun of a small cell.
  await p.evaluate(async () => {
    const app = (window as unknown as Win).jupyterapp;
    await app.commands.execute("notebook:insert-cell-below");
    const nb = (app.shell.currentWidget as { content: { activeCell: { model: { sharedModel: { setSource(s: string): void } } } } }).content;
    nb.activeCell.model.sharedModel.setSource(`console.log("after the interrupt", 6 * 7);`);
    await app.commands.execute("notebook:run-cell");
  });
  await waitFor("the rerun's output", async () => ((await p.locator(".jp-Notebook").innerText()).includes("after the interrupt 42") ? true : undefined), { timeoutMs: 30_000 });
  await p.close();
});

test("04-hot-spots: the flamegraph link opens the flamegraph through the Jupyter server; the menu's HTML export opens offline with every figure", { timeout: 600_000 }, async () => {
  const p = await openNotebook("04-hot-spots.ipynb");
  await runAll(p, 500_000);
  assert.deepEqual(await errorOutputs(p), []);
  await outputsMatch(p, "04-hot-spots.ipynb", [/Top 3 by calls/, /Top 3 by self/, /Top 3 by total/, /0x flamegraph: .*flamegraph\.html/, /examples\/ratings\/mean-processor\.ts/]);
  await allDrawn(p, 2);
  const href = await p.locator(".plab-link[data-kind='flamegraph']").first().getAttribute("href");
  assert.ok(href && href.startsWith("/perflab/profiles/"), `flamegraph link: ${href}`);
  const flame = await context!.newPage();
  const resp = await flame.goto(`http://127.0.0.1:${port}${href}`);
  assert.equal(resp?.status(), 200);
  assert.match(await flame.content(), /flamegraph/i);
  await flame.close();
  const speedscope = await p.locator(".plab-link[data-kind='cpu profile']").first().getAttribute("href");
  const ss = await context!.newPage();
  assert.equal((await ss.goto(`http://127.0.0.1:${port}${speedscope}`))?.status(), 200);
  await ss.close();
  await exportOpensOffline(p, "04-hot-spots.ipynb", 2);
  await p.close();
});

test("12-kafka-vs-rabbitmq: both brokers from the kernel, every figure drawn, still drawn after a reload; the RabbitMQ node it started is gone", { timeout: 600_000 }, async () => {
  const p = await openNotebook("12-kafka-vs-rabbitmq.ipynb");
  await runAll(p, 500_000);
  assert.deepEqual(await errorOutputs(p), []);
  await outputsMatch(p, "12-kafka-vs-rabbitmq.ipynb", [
    /Kafka 4\.\d+\.\d+ at 127\.0\.0\.1:\d+ · RabbitMQ 3\.\d+\.\d+ at 127\.0\.0\.1:\d+/,
    /Kafka vs RabbitMQ: the same load, warm repetitions/,
    /RabbitMQ ÷ Kafka/,
    /accounting on RabbitMQ, every measured repetition: produced 20000 · consumed 20000 · lost 0 · duplicates 0/,
    /Peak backlog, by where it sits/,
    /RabbitMQ node stopped/,
  ]);
  slowConsumerKnownAnswers();
  await allDrawn(p, 4);
  const file = path.join(nbDir, "12-kafka-vs-rabbitmq.ipynb");
  const before = fs.statSync(file).size;
  await p.evaluate(() => (window as unknown as Win).jupyterapp.commands.execute("docmanager:save"));
  await waitFor("the notebook to be saved with its outputs", () => (fs.statSync(file).size > before + 10_000 ? true : undefined), { timeoutMs: 30_000 });
  assert.match(fs.readFileSync(file, "utf8"), /application\/vnd\.plotly\.v1\+json/, "the saved notebook holds its figures");
  await exportOpensOffline(p, "12-kafka-vs-rabbitmq.ipynb", 4);
  await p.reload();
  await p.waitForFunction(() => ((window as unknown as Win).jupyterapp?.shell.currentWidget as { context?: { path?: string } } | null)?.context?.path === "12-kafka-vs-rabbitmq.ipynb", null, { timeout: 90_000 });
  await p.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
  // After a reload JupyterLab renders only the cells in view: scroll to each figure cell, as a reader does.
  const figureCells = await waitFor("the reloaded notebook's figure outputs", async () => {
    const found = await p.evaluate(() => {
      type Cells = { length: number; get(i: number): { toJSON(): { outputs?: Array<{ data?: Record<string, unknown> }> } } };
      const cells = ((window as unknown as Win).jupyterapp.shell.currentWidget as { content?: { model?: { cells: Cells } } } | null)?.content?.model?.cells;
      if (!cells) return [];
      return Array.from({ length: cells.length }, (_, i) => i).filter((i) => (cells.get(i).toJSON().outputs ?? []).some((o) => "application/vnd.plotly.v1+json" in (o.data ?? {})));
    });
    return found.length >= 2 ? found : undefined; // the latency cell and the slow-consumer cell
  }, { timeoutMs: 60_000, intervalMs: 500 });
  for (const i of figureCells) {
    await p.evaluate(async (index) => {
      const nb = ((window as unknown as Win).jupyterapp.shell.currentWidget as { content: { activeCellIndex: number; scrollToItem(i: number, align?: string): Promise<void> } }).content;
      nb.activeCellIndex = index;
      await nb.scrollToItem(index, "start");
    }, i);
    await waitFor(`the figures of cell ${i} to be drawn after the reload`, async () => {
      const f = await p.evaluate((index) => {
        const cell = document.querySelector(`.jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
        return { divs: cell?.querySelectorAll(".plab-figure").length ?? 0, drawn: cell?.querySelectorAll(".plab-figure .main-svg").length ?? 0 };
      }, i);
      return f.divs > 0 && f.drawn >= f.divs ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  }
  await p.close();
  // The notebook's last cell stopped the node: no state left, and no process of the node's private folder.
  assert.equal(readRabbitState(stateDir), null);
  assert.deepEqual(processesMentioning(path.join(stateDir, "rabbitmq")), []);
});

/**
 * Known answers of notebook 12's slow consumer (it sleeps 2 ms per message: at most 500 msg/s; 3,000 messages
 * at 1,000 msg/s), from the run directory the kernel wrote in this file's workspace.
 */
function slowConsumerKnownAnswers(): void {
  const reports = path.join(workspace, "reports");
  const dir = path.join(reports, fs.readdirSync(reports).filter((d) => d.includes("slow-consumer-rabbitmq")).sort().at(-1)!);
  const run = loadRun(dir);
  const id = (label: string) => run.manifest.configurations.find((c) => c.label === label)!.id;
  const peak = (configId: string, kind: string, column: string) => Math.max(0, ...run.timeseries.filter((r) => r.configId === configId && r.kind === kind && typeof r[column] === "number").map((r) => r[column] as number));
  const unacked100 = peak(id("prefetch 100"), "consumer", "committedLag");
  assert.ok(unacked100 <= 100, `prefetch 100: never more than 100 delivered and not acked (peak ${unacked100})`);
  const ready100 = peak(id("prefetch 100"), "broker", "ready");
  assert.ok(ready100 >= 500, `prefetch 100: the backlog waits in the queue as ready messages (peak ready ${ready100})`);
  // Without a limit RabbitMQ pushes each message on as it arrives, and the backlog waits unacked in the consumer. A
  // sample can still catch messages not yet pushed: a producer batch (50), or more when the node or the consumer is
  // descheduled on a busy machine (RabbitMQ's internal flow control then holds them in the queue). At most a tenth of
  // the 3,000, where prefetch 100 keeps ≥ 500 ready.
  const readyNoLimit = peak(id("no prefetch limit"), "broker", "ready");
  assert.ok(readyNoLimit <= 300, `no limit: RabbitMQ pushes everything, the backlog does not stay ready (peak ready ${readyNoLimit})`);
  const unackedNoLimit = peak(id("no prefetch limit"), "consumer", "committedLag");
  assert.ok(unackedNoLimit >= 1500, `no limit: at 2 ms per message at most 1,500 of 3,000 are done when producing ends; the rest is unacked (peak ${unackedNoLimit})`);
  // The lab's lag on RabbitMQ (ready + delivered but not processed) sees the backlog wherever it waits: ≥ 1,250 as on Kafka below.
  for (const label of ["prefetch 100", "no prefetch limit"]) {
    const lag = peak(id(label), "broker", "lag");
    assert.ok(lag >= 1200 && lag <= 3000, `RabbitMQ ${label}: peak lag ${lag} between 1,200 and 3,000 messages`);
  }
  // Kafka: when producing ends (3 s) at most 1,500 are processed, so the lag is ≥ 1,500 there; it grows and
  // falls by at most 1,000 msg/s, so a sample within 0.25 s of it (they come every 0.5 s) shows ≥ 1,250.
  const kafkaDir = path.join(reports, fs.readdirSync(reports).filter((d) => d.includes("slow-consumer-kafka")).sort().at(-1)!);
  const kafka = loadRun(kafkaDir);
  const lags = kafka.timeseries.filter((r) => r.roleId === "broker" && typeof r.lag === "number").map((r) => r.lag as number);
  assert.ok(lags.length >= 4, `Kafka: broker lag sampled through the run (${lags.length} samples)`);
  const kafkaPeak = Math.max(...lags);
  assert.ok(kafkaPeak >= 1200 && kafkaPeak <= 3000, `Kafka: peak lag ${kafkaPeak} between 1,200 and 3,000 messages`);
}
