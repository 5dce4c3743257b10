// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { summarize, type RepRow } from "../../src/results";
import { configurationSummary } from "../../src/analysis/summary-text";

function summaryOf(loops: number[]): string {
  const base = { configId: "c1", label: "demo", kind: "measured" as const, state: "completed" as const, produced: 100 };
  const rows = loops.map((loop, i) => ({ ...base, rep: i + 1, cold: i === 0, producerLoopMs: loop }) as unknown as RepRow);
  return configurationSummary({ configId: "c1", label: "demo", rows, summary: summarize(rows) });
}

test("summary text: hyperfine-style mean ± σ and range; the cold run apart; two runs give no interval, and say so", () => {
  const two = summaryOf([300, 150, 160]);
  assert.match(two, /\(2 warm repetitions \+ 1 cold\)/);
  assert.match(two, /Producer loop: +155\.0 ms ± 7\.1 ms/);
  assert.match(two, /Range \(min … max\): +150\.0 ms … 160\.0 ms/);
  assert.match(two, /no confidence interval from 2 runs \(it needs 3; add repetitions\)/);
  assert.doesNotMatch(two, /95% CI/);
  assert.match(two, /Cold run \(rep 1, not in the statistics\): 300\.0 ms \(1\.94× the warm mean\)/);
});

test("summary text: three runs get an interval and say it is wide; six runs do not", () => {
  // Modified Cox on ln 150, ln 155, ln 160 with t(0.975, 2) = 4.303 (Python's statistics module): 143.08 … 167.97
  const three = summaryOf([300, 150, 155, 160]);
  assert.match(three, /95% CI of the mean 143\.1 ms … 168\.0 ms {2}\(only 3 runs: more repetitions narrow it\)/);
  const six = summaryOf([300, 150, 160, 155, 150, 160, 155]);
  assert.match(six, /95% CI of the mean/);
  assert.doesNotMatch(six, /only \d+ runs/);
});

test("summary text: a skewed positive duration never gets a negative bound (log-normal interval)", () => {
  // 10, 12, 300 ms: a t interval would be 107.3 ± 4.303 × 167 / √3 — far below zero.
  const skewed = summaryOf([400, 10, 12, 300]);
  const m = /95% CI of the mean ([\d.]+) (ms|s|µs) … ([\d.]+) (ms|s)/.exec(skewed);
  assert.ok(m, skewed);
  assert.ok(Number(m[1]) > 0);
  assert.doesNotMatch(skewed, /-\d/);
});
