import fs from "node:fs";
import path from "node:path";
import { madOutliers, type Statistics } from "./stats";
import type { HistogramSummary } from "../metrics";
import type { Accounting, RepRow, SummaryRow } from "../experiment/aggregate";

/** A duration in ms shown in one unit chosen from its size: "812 µs", "412.3 ms", "2.41 s". */
export function formatMs(ms: number, unitFrom: number = ms): string {
  if (!Number.isFinite(ms)) return "–";
  const ref = Math.abs(unitFrom);
  if (ref < 1) return `${(ms * 1000).toFixed(ref < 0.01 ? 2 : 0)} µs`;
  if (ref < 1000) return `${ms.toFixed(ref < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** "412.3 ms ± 12.1 ms" with both in the unit of the mean. */
export function meanPlusMinus(s: Statistics, unit: string): string {
  if (unit === "ms") return `${formatMs(s.mean)} ± ${Number.isFinite(s.std) ? formatMs(s.std, s.mean) : "–"}`;
  const digits = Math.abs(s.mean) < 10 ? 2 : 0;
  return `${formatNumber(s.mean, digits)} ${unit} ± ${formatNumber(s.std, digits)} ${unit}`;
}

function range(s: Statistics, unit: string): string {
  if (unit === "ms") return `${formatMs(s.min, s.mean)} … ${formatMs(s.max, s.mean)}`;
  return `${formatNumber(s.min)} … ${formatNumber(s.max)} ${unit}`;
}

function pct(h: HistogramSummary | undefined, label: string): string | null {
  if (!h || h.count === 0) return null;
  const ms = (us: number) => formatMs(us / 1000);
  return `${label}p50 ${ms(h.p50)} · p99 ${ms(h.p99)} · p99.9 ${ms(h.p999)} · max ${ms(h.max)}  (${formatNumber(h.count)} samples)`;
}

/** Warnings with advice, in hyperfine's spirit: a slow first run, outliers, a wide spread, message loss. */
export function warningsFor(rows: RepRow[], summary: SummaryRow[]): string[] {
  const out: string[] = [];
  const loop = summary.find((s) => s.metric === "producerLoopMs");
  if (loop?.coldRatio && loop.coldRatio > 1.5) {
    out.push(
      `The first (cold) run took ${loop.coldRatio.toFixed(2)}× the warm mean: it pays for connections, metadata, the consumer group join and JIT warm-up. It is reported apart; keep warmup ≥ 1 when comparing configurations.`,
    );
  }
  const warm = rows.filter((r) => r.kind === "measured" && r.state === "completed" && !r.cold && r.producerLoopMs !== null);
  const outliers = madOutliers(warm.map((r) => r.producerLoopMs!));
  if (outliers.length > 0) {
    out.push(`Statistical outliers: repetition${outliers.length > 1 ? "s" : ""} ${outliers.map((i) => warm[i]!.rep).join(", ")} (modified z-score > 3.5). Another program may have competed for the CPU: rerun on a quiet machine or add repetitions.`);
  }
  if (loop && loop.n >= 3 && loop.std / loop.mean > 0.15) {
    out.push(`The loop time varies by ${((loop.std / loop.mean) * 100).toFixed(0)}% (σ/mean): more repetitions or longer runs (more messages) narrow the confidence interval.`);
  }
  if (loop && loop.n < 2) out.push("Fewer than 2 warm repetitions: no standard deviation or confidence interval. Use repetitions ≥ 3.");
  const lost = rows.reduce((s, r) => s + r.lost, 0);
  if (lost > 0) out.push(`${formatNumber(lost)} acknowledged message(s) were never consumed: see the accounting table.`);
  return out;
}

export function accountingLine(a: Accounting): string {
  const extra = [a.failed ? `failed ${formatNumber(a.failed)}` : "", a.unackedDelivered ? `unacked but delivered ${formatNumber(a.unackedDelivered)}` : "", a.untracked ? `untracked ${formatNumber(a.untracked)}` : ""].filter(Boolean);
  return `produced ${formatNumber(a.produced)} · acked ${formatNumber(a.acked)} · consumed ${formatNumber(a.consumed)} · duplicates ${formatNumber(a.duplicates)} · lost ${formatNumber(a.lost)}${extra.length ? ` · ${extra.join(" · ")}` : ""}`;
}

/** The hyperfine-style text summary of one configuration. */
export function configurationSummary(input: {
  configId: string;
  label: string;
  rows: RepRow[];
  summary: SummaryRow[];
  latency?: Record<string, HistogramSummary>;
}): string {
  const { rows, summary } = input;
  const warm = rows.filter((r) => r.kind === "measured" && r.state === "completed" && !r.cold);
  const get = (m: string) => summary.find((s) => s.metric === m);
  const lines: string[] = [`Configuration ${input.configId}: ${input.label}   (${warm.length} warm repetition${warm.length === 1 ? "" : "s"} + 1 cold)`];
  const loop = get("producerLoopMs");
  const messages = rows[0] ? rows[0].produced : 0;
  if (loop && loop.n > 0) {
    lines.push(`  Producer loop:      ${meanPlusMinus(loop, "ms")}    [publish ${formatNumber(messages)} messages, first send → last ack]`);
    // With 2–4 runs Student's t is large (12.7 for n = 2): the interval is honest but wide, and may reach
    // below zero for a duration. Say why rather than clamp it.
    const ci = Number.isFinite(loop.ci95Low) ? `${formatMs(loop.ci95Low, loop.mean)} … ${formatMs(loop.ci95High, loop.mean)}` : "–";
    const few = loop.n < 5 ? `  (only ${loop.n} run${loop.n === 1 ? "" : "s"}: more repetitions narrow it)` : "";
    lines.push(`  Range (min … max):  ${range(loop, "ms")}    95% CI of the mean ${ci}${few}`);
  }
  const cloop = get("consumerLoopMs");
  if (cloop && cloop.n > 0) lines.push(`  Consumer loop:      ${meanPlusMinus(cloop, "ms")}    [first message received → last processed]`);
  const thr = get("produceThroughputMsgsPerSec");
  const mb = get("produceThroughputMBPerSec");
  if (thr && thr.n > 0) lines.push(`  Produce throughput: ${meanPlusMinus(thr, "msg/s")}${mb && mb.n ? `   (${formatNumber(mb.mean, 2)} MB/s)` : ""}`);
  const cthr = get("consumeThroughputMsgsPerSec");
  if (cthr && cthr.n > 0) lines.push(`  Consume throughput: ${meanPlusMinus(cthr, "msg/s")}`);
  const send = pct(input.latency?.sendLatencyUs, "");
  if (send) lines.push(`  Send → ack:         ${send}`);
  const e2e = pct(input.latency?.e2eLatencyUs, "");
  if (e2e) lines.push(`  End-to-end:         ${e2e}`);
  const join = get("groupJoinMs");
  if (join && join.n > 0) lines.push(`  Group join:         ${meanPlusMinus(join, "ms")}`);
  if (loop?.cold !== null && loop?.cold !== undefined) {
    lines.push(`  Cold (first) run:   ${formatMs(loop.cold)}${loop.coldRatio ? ` (${loop.coldRatio.toFixed(2)}× the warm mean)` : ""}`);
  }
  const total = rows.filter((r) => r.kind === "measured").reduce<Accounting>(
    (a, r) => ({
      produced: a.produced + r.produced,
      acked: a.acked + r.acked,
      failed: a.failed + r.failed,
      consumed: a.consumed + r.consumed,
      duplicates: a.duplicates + r.duplicates,
      lost: a.lost + r.lost,
      unackedDelivered: a.unackedDelivered + r.unackedDelivered,
      untracked: a.untracked + r.untracked,
    }),
    { produced: 0, acked: 0, failed: 0, consumed: 0, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 },
  );
  lines.push(`  Messages:           ${accountingLine(total)}   (all measured repetitions)`);
  const failed = rows.filter((r) => r.state !== "completed");
  if (failed.length) lines.push(`  Failed:             ${failed.map((r) => `rep ${r.rep}: ${r.error ?? r.state}`).join("; ")}`);
  for (const w of warningsFor(rows, summary)) lines.push(`  Warning: ${w}`);
  return lines.join("\n");
}

/** The summary of every configuration of a run, as `perflab run` prints it at the end. */
export function runSummaryText(result: { runDir: string; configurations: Array<{ id: string; label: string }>; repetitions: RepRow[]; summaries: SummaryRow[] }): string {
  let latency: Record<string, Record<string, HistogramSummary>> = {};
  try {
    latency = JSON.parse(fs.readFileSync(path.join(result.runDir, "latency.json"), "utf8")).configurations ?? {};
  } catch {
    latency = {}; // nothing completed: no latency.json
  }
  return result.configurations
    .map((c) =>
      configurationSummary({
        configId: c.id,
        label: c.label,
        rows: result.repetitions.filter((r) => r.configId === c.id),
        summary: result.summaries.filter((s) => s.configId === c.id),
        latency: latency[c.id],
      }),
    )
    .join("\n\n");
}
