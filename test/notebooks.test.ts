import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import type { Browser } from "playwright-core";
import { repoRoot, collect } from "./helpers/cli";
import { tempDir, testKafka } from "./helpers/kafka";
import { launchBrowser, watchPage } from "./helpers/browser";

// Every notebook in notebooks/ runs headlessly through the real tslab kernel (nbclient), in quick mode,
// against the embedded Kafka; any cell error fails the test. Its exported HTML must then open offline in
// headless Chromium with every plot drawn and no console error.
const notebooksDir = path.join(repoRoot, "notebooks");
const python = path.join(repoRoot, ".venv", "bin", "python");
const notebooks = fs.readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
const workspace = tempDir("perflab-nb-ws-");
let browser: Browser | null = null;
after(async () => {
  await browser?.close();
});

interface Executed {
  outputs: string;
  htmlFile: string;
}

async function execute(name: string): Promise<Executed> {
  const { stateDir } = await testKafka();
  const out = tempDir("perflab-nb-");
  const child = spawn(python, [path.join(repoRoot, "scripts", "execute_notebooks.py"), path.join(notebooksDir, name), "--html-dir", out, "--save-executed", out, "--cell-timeout", "400"], {
    cwd: repoRoot,
    env: { ...process.env, PERFLAB_STATE_DIR: stateDir, PERFLAB_WORKSPACE: workspace, PERFLAB_NOTEBOOK_MODE: "quick" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const r = await collect(child, 900_000);
  assert.equal(r.code, 0, `notebook ${name} failed:\n${r.stderr.slice(-4000)}`);
  const nb = JSON.parse(fs.readFileSync(path.join(out, name), "utf8"));
  type Output = { output_type: string; text?: string | string[]; data?: Record<string, string | string[]> };
  const outs: Output[] = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").flatMap((c: { outputs: Output[] }) => c.outputs);
  assert.ok(!outs.some((o) => o.output_type === "error"), `error output in ${name}`);
  const outputs = outs.map((o) => [o.text, ...Object.values(o.data ?? {})].flat().map((v) => (typeof v === "string" || v === undefined ? (v ?? "") : JSON.stringify(v))).join("")).join("\n");
  return { outputs, htmlFile: path.join(out, name.replace(/\.ipynb$/, ".html")) };
}

/** Open the exported HTML offline: plots drawn, no console error, no request leaving the machine. */
async function checkHtml(file: string, minFigures: number): Promise<void> {
  browser ??= await launchBrowser();
  const page = await browser.newPage();
  const watch = watchPage(page);
  await page.goto(`file://${file}`);
  if (minFigures > 0) {
    await page.waitForFunction((n) => document.querySelectorAll(".plab-figure .main-svg").length >= n, minFigures, { timeout: 60_000 });
  }
  const figures = await page.evaluate(() => ({ divs: document.querySelectorAll(".plab-figure").length, drawn: document.querySelectorAll(".plab-figure .main-svg").length }));
  assert.ok(figures.divs >= minFigures, `${path.basename(file)}: ${figures.divs} figures, expected ≥ ${minFigures}`);
  assert.deepEqual(watch.externalRequests, [], "opens offline");
  assert.deepEqual(watch.consoleErrors, [], "no console errors");
  await page.close();
}

test("notebooks/ holds the numbered notebooks 00–11 and 13, committed without outputs", () => {
  assert.deepEqual(notebooks.map((n) => n.slice(0, 2)), ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "13"]);
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), "utf8"));
    assert.equal(nb.metadata.kernelspec.name, "tslab", `${name} uses the tslab kernel`);
    for (const c of nb.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${name} is committed without outputs`);
    assert.ok(nb.cells.filter((c: { cell_type: string }) => c.cell_type === "markdown").length >= 2, `${name} explains itself in markdown`);
  }
});

test("00-hello-kafka imports the lab by package name and prints message metadata", { timeout: 600_000 }, async () => {
  const { outputs } = await execute("00-hello-kafka.ipynb");
  assert.match(outputs, /Kafka 4\.\d+\.\d+ \(KRaft\) at 127\.0\.0\.1:\d+/);
  assert.match(outputs, /topic\s*│\s*partition\s*│\s*offset\s*│\s*timestamp\s*│\s*key/);
  assert.equal((outputs.match(/'key-\d'/g) ?? []).length, 10, "10 messages with their keys");
});

const expectations: Array<[string, RegExp[], number]> = [
  ["01-quickstart.ipynb", [/Producer loop: +[\d.]+ (ms|s) ± /, /state: completed/, /DataFrames: summary \d+,\d+/], 2],
  ["02-loop-timing.ipynb", [/cold \(first run\)/, /group join/], 2],
  ["03-end-to-end-latency.ipynb", [/orders-100B/, /images-20KB/, /CreateTime p99 \(ms\)/, /the cold first run vs the mean of the warm runs/, /orders-100B: cold p50 [\d.]+ ms = [\d.]+× warm/, /e2eLatencyP99Ms_mean/], 3],
  ["04-hot-spots.ipynb", [/Top 3 by calls/, /Top 3 by self/, /Top 3 by total/, /0x flamegraph: .*flamegraph\.html/, /examples\/ratings\/mean-processor\.ts/], 2],
  ["05-bottleneck.ipynb", [/improved ÷ naive: [\d.]+× consume throughput/, /selfDeltaMs/, /Sink crash: ratings saved vs acknowledged/], 4],
  ["06-producer-config.ipynb", [/completed: 8 configurations/, /send→ack p99 \(ms\)/], 1],
  ["07-partitions-consumers.ipynb", [/consume msg\/s/, /warning: consumers\.count \(2\) > topic\.partitions \(1\)/], 2],
  ["08-broker-failure.ipynb", [/3 brokers at 127\.0\.0\.1:19392/, /kill-broker/, /Throughput before and after two of three brokers stop/, /after ÷ before: [\d.]+× acked msg\/s · lost \d+/, /acked msg\/s \(mean\)/, /3-broker cluster stopped/], 4],
  ["09-memory.ipynb", [/MiB sampled in the consumer/, /selfMiB/, /Producer: allocation sites in your code, by line/, /GC pauses by kind \(ms\)/, /longest \(ms\)/], 3],
  ["10-clients.ipynb", [/clients: kafkajs, platformatic/, /completed: kafkajs vs platformatic/, /CPU per message from the producer profiles — kafkajs: [\d.]+ µs busy per message/, /Top functions by self time — consumer/, /producer CPU \(µs\/msg\)/], 2],
  ["13-cluster-capacity.ipynb", [/1 broker at 127\.0\.0\.1:\d+ · 3 brokers at 127\.0\.0\.1:19592/, /Unthrottled producers against 1 and 3 brokers/, /Brokers × replication factor/, /3-broker cluster stopped/], 1],
  ["11-durability-audit.ipynb", [/3 brokers at 127\.0\.0\.1:19492/, /producer\.send\(\{ topic: ctx\.topic, acks: -1, messages: chunk \}\)/, /Loss per producer over all tries/, /tries with a loss/, /3-broker cluster stopped/], 3],
];

for (const [name, patterns, figures] of expectations) {
  test(`${name} runs in quick mode and its HTML opens offline with its plots`, { timeout: 900_000 }, async () => {
    const { outputs, htmlFile } = await execute(name);
    for (const re of patterns) assert.match(outputs, re, `${name}: ${re}`);
    await checkHtml(htmlFile, figures);
  });
}

test("08-broker-failure: acks=-1 with RF 3 and min.insync.replicas 2 loses nothing when a broker is killed", { timeout: 60_000 }, async () => {
  const reports = path.join(workspace, "reports");
  const run = fs.readdirSync(reports).filter((d) => d.includes("broker-failure")).sort().at(-1)!;
  const accounting = JSON.parse(fs.readFileSync(path.join(reports, run, "accounting.json"), "utf8")) as Array<{ label: string; lost: number; acked: number }>;
  const strict = accounting.filter((a) => a.label === "acks=-1");
  assert.ok(strict.length >= 1);
  for (const a of strict) {
    assert.ok(a.acked > 0);
    assert.equal(a.lost, 0, "Kafka's promise for acks=-1, min.insync.replicas=2");
  }
});
