// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { repoRoot } from "../helpers/cli";

const fixture = path.join(__dirname, "..", "fixtures", "clock", "first-read.ts");

test("monoMs() is CLOCK_MONOTONIC within 0.05 ms in a fresh process (the same clock in every role, so latencies across processes are exact)", () => {
  // Known answer: process.hrtime read just before and just after monoMs() brackets it. A single
  // `hrtime − performance.now()` taken at start-up was 0.8–1.7 ms off (the first use of `performance` loads its module).
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ["--import", "tsx", fixture], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const { worstMs } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { worstMs: number };
    assert.ok(worstMs <= 0.05, `monoMs() is ${worstMs.toFixed(3)} ms outside the hrtime reads around it`);
  }
});
