import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runExperiment } from "../../src/run";
import { collect, spawnCli } from "../helpers/cli";
import { tempDir, testKafka } from "../helpers/kafka";
import { launchBrowser, watchPage } from "../helpers/browser";

// A real run with a CPU profile and a 0x flamegraph of the consumer, in a workspace of its own.
const workspace = tempDir("perflab-view-");
const reports = path.join(workspace, "reports");
const profiles = path.join(workspace, "profiles");

async function makeRun() {
  const { conn } = await testKafka();
  return runExperiment(
    { name: "viewed-run", workload: { messages: 500 }, repetitions: 1, warmup: 0, profile: { cpu: true, heap: true, flamegraph: true, roles: ["consumer"] } },
    { connection: conn, reportsDir: reports, profilesDir: profiles, progress: "none" },
  );
}

async function startView(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawnCli(["view", "--port", "0"], { env: { PERFLAB_WORKSPACE: workspace } });
  const done = collect(child, 120_000);
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve();
    });
    child.on("exit", () => reject(new Error(`perflab view exited: ${out}`)));
  });
  return {
    url: out.trim(),
    stop: async () => {
      child.kill("SIGINT");
      const r = await done;
      assert.equal(r.code, 0, `perflab view ends cleanly on Ctrl-C: ${r.stderr}`);
    },
  };
}

test("perflab view in headless Chromium: the index lists the run, a flamegraph renders, a profile opens in speedscope", { timeout: 300_000 }, async () => {
  const run = await makeRun();
  assert.equal(run.state, "completed", run.error ?? "");
  const view = await startView();
  assert.match(view.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "bound to loopback");
  const browser = await launchBrowser();
  after(() => browser.close());
  try {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await page.goto(view.url);
    const runRow = page.locator("tr.run", { hasText: "viewed-run" });
    assert.equal(await runRow.count(), 1, "the index lists the run");
    assert.match((await runRow.textContent())!, /completed/);

    const flameHref = await runRow.locator("a", { hasText: "consumer-0" }).filter({ hasNotText: "profile" }).first().getAttribute("href");
    assert.ok(flameHref?.endsWith("flamegraph.html"), flameHref ?? "no flamegraph link");
    await page.goto(new URL(flameHref!, view.url).href);
    // 0x (d3-fg) draws on a canvas: wait until it holds a few thousand non-white pixels.
    await page.waitForFunction(
      () => {
        const c = document.querySelector("canvas");
        if (!c || c.width === 0 || c.height === 0) return false;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240)) painted++;
        return painted > 2000;
      },
      null,
      { timeout: 30_000 },
    );

    const cpuHref = await page.goto(view.url).then(() => runRow.locator("a", { hasText: ".cpuprofile" }).first().getAttribute("href"));
    assert.match(cpuHref!, /^\/speedscope\/index\.html#profileURL=/);
    const profileLoaded = page.waitForResponse((r) => r.url().includes(".cpuprofile") && r.status() === 200, { timeout: 30_000 });
    await page.goto(new URL(cpuHref!, view.url).href);
    await profileLoaded;
    await page.waitForFunction(() => document.querySelectorAll("canvas").length > 0 && document.title.includes("cpuprofile"), null, { timeout: 30_000 });
    await page.screenshot({ path: path.join(workspace, "speedscope.png") });

    assert.deepEqual(watch.consoleErrors, [], "no console errors");
    assert.deepEqual(watch.externalRequests, [], "nothing leaves loopback");
  } finally {
    await view.stop();
  }
});

test("perflab view serves only reports/ and profiles/: no path traversal, no symlink escape", { timeout: 60_000 }, async () => {
  fs.mkdirSync(reports, { recursive: true });
  fs.writeFileSync(path.join(workspace, "secret.txt"), "top secret");
  fs.symlinkSync(path.join(workspace, "secret.txt"), path.join(reports, "escape.txt"));
  const view = await startView();
  try {
    const get = async (p: string) => {
      const r = await fetch(new URL(p, view.url).href.replace(/\/%2e%2e/gi, "/%2e%2e"), { redirect: "manual" });
      return { status: r.status, body: await r.text() };
    };
    for (const p of ["/reports/../secret.txt", "/reports/%2e%2e/secret.txt", "/reports/..%2fsecret.txt", "/profiles/..%2f..%2fetc%2fpasswd", "/reports/escape.txt", "/secret.txt", "/etc/passwd", "/speedscope/..%2f..%2fpackage.json"]) {
      const r = await get(p);
      assert.ok(r.status === 403 || r.status === 404, `${p} → ${r.status}`);
      assert.ok(!r.body.includes("top secret"), `${p} leaked the file`);
    }
    const ok = await get("/speedscope/index.html");
    assert.equal(ok.status, 200);
    const post = await fetch(view.url, { method: "POST" });
    assert.equal(post.status, 405);
  } finally {
    await view.stop();
  }
});

test("perflab view <path> outside reports/ and profiles/ is refused with one line", { timeout: 30_000 }, async () => {
  const child = spawnCli(["view", "/etc"], { env: { PERFLAB_WORKSPACE: workspace } });
  const r = await collect(child, 20_000);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /perflab: \/etc is not under .*reports or .*profiles: perflab view serves only those/);
});
