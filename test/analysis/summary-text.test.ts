import { test } from "node:test";
import assert from "node:assert/strict";
import { summarize, type RepRow } from "../../src/experiment/aggregate";
import { configurationSummary } from "../../src/analysis/summary-text";

function summaryOf(loops: number[]): string {
  const base = { configId: "c1", label: "demo", kind: "measured" as const, state: "completed" as const, produced: 100 };
  const rows = loops.map((loop, i) => ({ ...base, rep: i + 1, cold: i === 0, producerLoopMs: loop }) as unknown as RepRow);
  return configurationSummary({ configId: "c1", label: "demo", rows, summary: summarize(rows) });
}

test("summary text: hyperfine-style mean ± σ, range and CI; the cold run apart; few runs say why the CI is wide", () => {
  const two = summaryOf([300, 150, 160]);
  assert.match(two, /\(2 warm repetitions \+ 1 cold\)/);
  assert.match(two, /Producer loop: +155\.0 ms ± 7\.1 ms/);
  assert.match(two, /Range \(min … max\): +150\.0 ms … 160\.0 ms/);
  // t(0.975, 1) = 12.706: 155 ± 12.706 × 7.071 / √2 = 155 ± 63.5
  assert.match(two, /95% CI of the mean 91\.5 ms … 218\.5 ms  \(only 2 runs: more repetitions narrow it\)/);
  assert.match(two, /Cold \(first\) run: +300\.0 ms \(1\.94× the warm mean\)/);
  const six = summaryOf([300, 150, 160, 155, 150, 160, 155]);
  assert.doesNotMatch(six, /only \d+ runs/);
});
