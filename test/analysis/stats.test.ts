// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import { compareSamples, computeStatistics, logNormalMeanInterval, madOutliers, quantileSorted, tCritical } from "../../src/results/stats";

// Known answers computed independently with SciPy 1.x / NumPy (ddof=1) — see the values in comments.
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);

test("mean, sample std (n−1), percentiles and the t-based 95% CI of a small sample", () => {
  const s = computeStatistics([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.n, 8);
  close(s.mean, 5);
  close(s.std, 2.138089935299395); // np.std(x, ddof=1)
  close(s.sem, 0.7559289460184544); // scipy.stats.sem
  // scipy.stats.t.interval(0.95, 7, …); jStat's t quantile is accurate to ~1e-8.
  close(s.ci95Low, 3.21251208176379, 1e-7);
  close(s.ci95High, 6.787487918236209, 1e-7);
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  close(s.p50, 4.5);
  close(s.p95, 8.3); // type 7: h = 7·0.95 = 6.65 → 7 + 0.65·(9 − 7)
  close(s.mad, 0.5); // |x − 4.5| → median 0.5
  close(tCritical(0.95, 7), 2.364624251592784, 1e-7); // scipy.stats.t.ppf(0.975, 7)
});

test("one sample: a mean but no spread", () => {
  const s = computeStatistics([42]);
  assert.equal(s.n, 1);
  assert.equal(s.mean, 42);
  assert.equal(s.p99, 42);
  assert.ok(Number.isNaN(s.std));
  assert.ok(Number.isNaN(s.ci95Low));
});

test("identical samples: zero spread, a zero-width interval, no outliers", () => {
  const s = computeStatistics([7, 7, 7, 7]);
  assert.equal(s.std, 0);
  assert.equal(s.ci95Low, 7);
  assert.equal(s.ci95High, 7);
  assert.deepEqual(madOutliers([7, 7, 7, 7]), []);
});

test("huge values keep their precision (Welford), non-finite values are ignored", () => {
  const s = computeStatistics([1e15 + 1, 1e15 + 2, 1e15 + 3, NaN, Infinity]);
  assert.equal(s.n, 3);
  assert.equal(s.mean, 1e15 + 2);
  close(s.std, 1);
});

test("100k elements: exact mean, percentiles and std of 0 … 99999", () => {
  const xs = Array.from({ length: 100_000 }, (_, i) => 99_999 - i);
  const s = computeStatistics(xs);
  close(s.mean, 49_999.5);
  close(s.p50, 49_999.5);
  close(s.p95, 94_999.05);
  close(s.p999, 99_899.001);
  close(s.std, Math.sqrt((100_000 * 100_001) / 12)); // sample variance of 0..N−1 is N(N+1)/12
});

test("empty input gives n = 0 and NaN, never a throw", () => {
  const s = computeStatistics([]);
  assert.equal(s.n, 0);
  assert.ok(Number.isNaN(s.mean));
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test("Welch's t-test and Hedges' g against SciPy", () => {
  const c = compareSamples([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
  close(c.t, 1.8973665961010275); // scipy.stats.ttest_ind(b, a, equal_var=False)
  close(c.df, 5.882352941176471);
  close(c.p, 0.10753119493062728, 1e-7);
  assert.equal(c.difference, 3);
  assert.equal(c.significant, false);
  // Hedges' g = d·(1 − 3/(4(n1+n2) − 9)), d = 3 / sqrt((4·2.5 + 4·10)/8)
  close(c.effectSize, (3 / Math.sqrt(50 / 8)) * (1 - 3 / 31));
  assert.equal(c.magnitude, "large");
});

test("outliers by modified z-score", () => {
  assert.deepEqual(madOutliers([10, 11, 10, 12, 11, 10, 48]), [6]);
  assert.deepEqual(madOutliers([10, 11, 10, 12, 11, 10, 13]), []);
});

test("confidence interval policy: none below 3 values; log-normal (modified Cox) for positive quantities; t for signed ones", () => {
  const two = computeStatistics([150, 160], { nonNegative: true });
  assert.equal(two.ciMethod, "none");
  assert.ok(Number.isNaN(two.ci95Low) && Number.isNaN(two.ci95High));
  const tight = computeStatistics([100, 110, 121, 133.1, 146.41], { nonNegative: true });
  assert.equal(tight.ciMethod, "log-normal");
  close(tight.ci95Low, 101.36270807469825, 1e-7);
  // 10, 12, 300: the t interval reaches far below 0; modified Cox on ln x (computed with Python's
  // statistics module: exp(ȳ + s²/2 ± t(0.975, 2)·√(s²/3 + s⁴/4))) = 0.020847226557880495 … 2033240.8635939916
  const skewed = computeStatistics([10, 12, 300], { nonNegative: true });
  assert.equal(skewed.ciMethod, "log-normal");
  close(skewed.ci95Low, 0.020847226557880495, 1e-6);
  close(skewed.ci95High, 2033240.8635939916, 1e-6);
  // The same values without the sign constraint keep the (negative-reaching) t interval.
  const free = computeStatistics([10, 12, 300]);
  assert.equal(free.ciMethod, "t");
  assert.ok(free.ci95Low < 0);
  // A zero cannot be log-transformed: t if it stays above 0, else no interval rather than a wrong one.
  assert.equal(computeStatistics([0, 1, 400], { nonNegative: true }).ciMethod, "none");
  assert.equal(computeStatistics([0, 1000, 1001, 1002, 1000, 999, 1001, 1000], { nonNegative: true }).ciMethod, "t");
});

test("log-normal mean interval, known answer on a geometric series (Python's statistics module)", () => {
  const ci = logNormalMeanInterval([100, 110, 121, 133.1, 146.41]);
  close(ci.low, 101.36270807469825, 1e-7);
  close(ci.high, 147.75949439449687, 1e-7);
});

test("coverage: over 4,000 simulated runs of 5 skewed positive values, the interval the lab prints holds the true mean about 95% of the time, never below 0", () => {
  // Log-normal loop times (σ of ln x = 0.8, strongly skewed), a seeded generator: the true mean is exp(μ + σ²/2).
  const rng = seedrandom("coverage");
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const mu = Math.log(200);
  const sigma = 0.8;
  const truth = Math.exp(mu + sigma ** 2 / 2);
  let covered = 0;
  let trials = 0;
  for (let i = 0; i < 4000; i++) {
    const s = computeStatistics(Array.from({ length: 5 }, () => Math.exp(mu + sigma * normal())), { nonNegative: true });
    assert.ok(s.ci95Low >= 0, `a bound below zero: ${s.ci95Low}`);
    trials++;
    if (s.ci95Low <= truth && truth <= s.ci95High) covered++;
  }
  const coverage = covered / trials;
  assert.ok(coverage >= 0.92 && coverage <= 0.98, `coverage ${(100 * coverage).toFixed(1)}%`);
});
