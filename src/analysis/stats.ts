import { jStat } from "jstat";

/**
 * Descriptive statistics of repetition-level measurements (loop times, throughputs). Pure, no I/O.
 * std is the sample standard deviation (n − 1); the 95% confidence interval of the mean uses Student's t
 * with n − 1 degrees of freedom; percentiles interpolate linearly between order statistics (type 7,
 * the default of R and NumPy).
 */
export interface Statistics {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for n < 2. */
  std: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** Standard error of the mean. */
  sem: number;
  ci95Low: number;
  ci95High: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
}

const EMPTY: Statistics = { n: 0, mean: NaN, std: NaN, min: NaN, p50: NaN, p95: NaN, p99: NaN, p999: NaN, max: NaN, sem: NaN, ci95Low: NaN, ci95High: NaN, mad: NaN };

export function computeStatistics(values: ArrayLike<number>): Statistics {
  const xs = Float64Array.from(values).filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { ...EMPTY };
  xs.sort();
  // Welford's online algorithm: stable for large values and long inputs.
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    mean += d / (i + 1);
    m2 += d * (xs[i]! - mean);
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  const sem = n > 1 ? std / Math.sqrt(n) : NaN;
  const t = n > 1 ? tCritical(0.95, n - 1) : NaN;
  const median = quantileSorted(xs, 0.5);
  const deviations = Float64Array.from(xs, (x) => Math.abs(x - median)).sort();
  return {
    n,
    mean,
    std,
    min: xs[0]!,
    p50: median,
    p95: quantileSorted(xs, 0.95),
    p99: quantileSorted(xs, 0.99),
    p999: quantileSorted(xs, 0.999),
    max: xs[n - 1]!,
    sem,
    ci95Low: mean - t * sem,
    ci95High: mean + t * sem,
    mad: quantileSorted(deviations, 0.5),
  };
}

/** Linear-interpolation quantile (type 7) of ascending-sorted values; q in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Two-sided critical value of Student's t for a confidence level (0.95 → t such that P(|T| < t) = 0.95). */
export function tCritical(confidence: number, dof: number): number {
  return jStat.studentt.inv(1 - (1 - confidence) / 2, dof);
}

export interface Comparison {
  test: "Welch's t-test (two-sided)";
  meanA: number;
  meanB: number;
  /** meanB − meanA */
  difference: number;
  /** meanB / meanA */
  ratio: number;
  t: number;
  df: number;
  p: number;
  /** 95% CI of the difference (Welch). */
  ci95Low: number;
  ci95High: number;
  /** Hedges' g: standardized difference with small-sample correction. */
  effectSize: number;
  /** |g| < 0.2 negligible, < 0.5 small, < 0.8 medium, else large (Cohen's conventions). */
  magnitude: "negligible" | "small" | "medium" | "large";
  significant: boolean;
}

/** Compare two samples (e.g. warm loop times of two configurations). Needs n ≥ 2 in each. */
export function compareSamples(a: ArrayLike<number>, b: ArrayLike<number>, alpha = 0.05): Comparison {
  const sa = computeStatistics(a);
  const sb = computeStatistics(b);
  const va = sa.std ** 2 / sa.n;
  const vb = sb.std ** 2 / sb.n;
  const se = Math.sqrt(va + vb);
  const diff = sb.mean - sa.mean;
  const t = se === 0 ? (diff === 0 ? 0 : Math.sign(diff) * Infinity) : diff / se;
  // Welch–Satterthwaite degrees of freedom.
  const df = se === 0 ? sa.n + sb.n - 2 : (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1));
  const p = Number.isFinite(t) ? 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)) : 0;
  const tc = tCritical(1 - alpha, df);
  const pooled = Math.sqrt(((sa.n - 1) * sa.std ** 2 + (sb.n - 1) * sb.std ** 2) / (sa.n + sb.n - 2));
  const correction = 1 - 3 / (4 * (sa.n + sb.n) - 9);
  const g = pooled === 0 ? (diff === 0 ? 0 : Math.sign(diff) * Infinity) : (diff / pooled) * correction;
  const ag = Math.abs(g);
  return {
    test: "Welch's t-test (two-sided)",
    meanA: sa.mean,
    meanB: sb.mean,
    difference: diff,
    ratio: sb.mean / sa.mean,
    t,
    df,
    p,
    ci95Low: diff - tc * se,
    ci95High: diff + tc * se,
    effectSize: g,
    magnitude: ag < 0.2 ? "negligible" : ag < 0.5 ? "small" : ag < 0.8 ? "medium" : "large",
    significant: p < alpha,
  };
}

/**
 * Outliers by modified z-score (Iglewicz & Hoaglin): 0.6745 · |x − median| / MAD > threshold (3.5).
 * Returns their indices in the input order. With MAD = 0 nothing is flagged (no spread to measure by).
 */
export function madOutliers(values: ArrayLike<number>, threshold = 3.5): number[] {
  const s = computeStatistics(values);
  if (!(s.mad > 0)) return [];
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if ((0.6745 * Math.abs(values[i]! - s.p50)) / s.mad > threshold) out.push(i);
  }
  return out;
}
