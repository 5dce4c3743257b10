import path from "node:path";
/**
 * The hyperfine-style text summary of a run: mean ± σ in one unit chosen from the mean, the range, the
 * confidence interval (or why there is none), the cold run apart, the exact accounting, and warnings
 * with advice.
 */
import type { HistogramSummary } from "../metrics/histogram";
import { addAccounting, NO_ACCOUNTING, type Accounting } from "../results/accounting";
import { readLatencySummary } from "../results/load";
import type { RepRow, SummaryRow } from "../results/rows";
import { madOutliers, MIN_CI_VALUES, type Statistics } from "../results/stats";
import { coldRow, warmRows } from "../results/warm";
import { formatDuration, formatNumber } from "../util/format";

/** "412.3 ms ± 12.1 ms" with both in the unit of the mean. */
export function meanPlusMinus(s: Statistics, unit: string): string {
  if (unit === "ms") return `${formatDuration(s.mean)} ± ${Number.isFinite(s.std) ? formatDuration(s.std, s.mean) : "–"}`;
  const digits = Math.abs(s.mean) < 10 ? 2 : 0;
  return `${formatNumber(s.mean, digits)} ${unit} ± ${formatNumber(s.std, digits)} ${unit}`;
}

function range(s: Statistics, unit: string): string {
  if (unit === "ms") return `${formatDuration(s.min, s.mean)} … ${formatDuration(s.max, s.mean)}`;
  return `${formatNumber(s.min)} … ${formatNumber(s.max)} ${unit}`;
}

/** The confidence interval as a summary says it: the bounds and how they were computed, or why there are none. */
export function intervalText(s: Statistics, unit: string): string {
  // Each bound in its own unit: a log-normal interval may span µs to s.
  const fmt = (x: number) => (unit === "ms" ? formatDuration(x) : `${formatNumber(x, Math.abs(x) < 10 ? 2 : 0)} ${unit}`);
  if (s.ciMethod === "none") {
    return s.n < MIN_CI_VALUES ? `no confidence interval from ${s.n} run${s.n === 1 ? "" : "s"} (it needs ${MIN_CI_VALUES}; add repetitions)` : "no confidence interval (values of 0 and too much spread)";
  }
  const how = s.n < 5 ? `  (only ${s.n} runs: more repetitions narrow it)` : "";
  return `95% CI of the mean ${fmt(s.ci95Low)} … ${fmt(s.ci95High)}${how}`;
}

function pct(h: HistogramSummary | undefined): string | null {
  if (!h || h.count === 0) return null;
  const ms = (us: number) => formatDuration(us / 1000);
  return `p50 ${ms(h.p50)} · p99 ${ms(h.p99)} · p99.9 ${ms(h.p999)} · max ${ms(h.max)}  (${formatNumber(h.count)} samples)`;
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
  const warm = warmRows(rows).filter((r) => r.producerLoopMs !== null);
  const outliers = madOutliers(warm.map((r) => r.producerLoopMs!));
  if (outliers.length > 0) {
    out.push(`Statistical outliers: repetition${outliers.length > 1 ? "s" : ""} ${outliers.map((i) => warm[i]!.rep).join(", ")} (modified z-score > 3.5). Another program may have competed for the CPU: rerun on a quiet machine or add repetitions.`);
  }
  if (loop && loop.n >= 3 && loop.std / loop.mean > 0.15) {
    out.push(`The loop time varies by ${((loop.std / loop.mean) * 100).toFixed(0)}% (σ/mean): more repetitions or longer runs (more messages) narrow the confidence interval.`);
  }
  if (loop && loop.n < 2) out.push("Fewer than 2 warm repetitions: no standard deviation or confidence interval. Use repetitions ≥ 4 (the first is reported apart as cold).");
  const lost = rows.reduce((s, r) => s + r.lost, 0);
  if (lost > 0) out.push(`${formatNumber(lost)} acknowledged message(s) were never consumed: see the accounting table.`);
  return out;
}

export function accountingLine(a: Accounting): string {
  const extra = [a.failed ? `failed ${formatNumber(a.failed)}` : "", a.unackedDelivered ? `unacked but delivered ${formatNumber(a.unackedDelivered)}` : "", a.untracked ? `untracked ${formatNumber(a.untracked)}` : ""].filter(Boolean);
  return `produced ${formatNumber(a.produced)} · acked ${formatNumber(a.acked)} · consumed ${formatNumber(a.consumed)} · duplicates ${formatNumber(a.duplicates)} · lost ${formatNumber(a.lost)}${extra.length ? ` · ${extra.join(" · ")}` : ""}`;
}

const CARRIER_TEXT: Record<string, string> = {
  offsets: "Kafka offsets (nothing added to the messages)",
  header: "the lab's 16-byte id header on every message",
  trailer: "the lab's 24-byte id trailer on every value",
  content: "message content (your script's sends, audited; nothing added to the messages)",
};

/** "clients: … · batching: …" of the Measured-by line (a script producer batches as its own code does). */
function clientsText(clients: { producers: string; consumers: string; script?: boolean }): string {
  const who = clients.producers === clients.consumers ? clients.producers : `${clients.producers} (producers), ${clients.consumers} (consumers)`;
  const batching = clients.script ? "your script's own" : clients.producers === "amqplib" ? "a confirm window of producers.batchSize messages (RabbitMQ)" : "the lab's, per partition";
  return ` · clients: ${who} · batching: ${batching}`;
}

export interface ConfigurationSummaryInput {
  configId: string;
  label: string;
  /** How messages were identified, and the clients: said on a line of its own. */
  idCarrier?: string;
  clients?: { producers: string; consumers: string; script?: boolean };
  rows: RepRow[];
  summary: SummaryRow[];
  latency?: Record<string, HistogramSummary>;
}

/** The hyperfine-style text summary of one configuration. */
export function configurationSummary(input: ConfigurationSummaryInput): string {
  const { rows, summary } = input;
  const warm = warmRows(rows);
  const cold = coldRow(rows);
  const get = (m: string) => summary.find((s) => s.metric === m);
  const lines: string[] = [`Configuration ${input.configId}: ${input.label}   (${warm.length} warm repetition${warm.length === 1 ? "" : "s"}${cold ? " + 1 cold" : ""})`];
  const loop = get("producerLoopMs");
  const messages = rows.find((r) => r.kind === "measured")?.produced ?? 0;
  if (loop && loop.n > 0) {
    lines.push(`  Producer loop:      ${meanPlusMinus(loop, "ms")}    [publish ${formatNumber(messages)} messages, first send → last ack]`);
    lines.push(`  Range (min … max):  ${range(loop, "ms")}    ${intervalText(loop, "ms")}`);
  }
  const cloop = get("consumerLoopMs");
  if (cloop && cloop.n > 0) lines.push(`  Consumer loop:      ${meanPlusMinus(cloop, "ms")}    [first message received → last processed]`);
  const thr = get("produceThroughputMsgsPerSec");
  const mb = get("produceThroughputMBPerSec");
  if (thr && thr.n > 0) lines.push(`  Produce throughput: ${meanPlusMinus(thr, "msg/s")}${mb && mb.n ? `   (${formatNumber(mb.mean, 2)} MB/s)` : ""}`);
  const cthr = get("consumeThroughputMsgsPerSec");
  if (cthr && cthr.n > 0) lines.push(`  Consume throughput: ${meanPlusMinus(cthr, "msg/s")}`);
  const send = pct(input.latency?.sendLatencyUs);
  if (send) lines.push(`  Send → ack:         ${send}`);
  const e2e = pct(input.latency?.e2eLatencyUs);
  if (e2e) lines.push(`  End-to-end:         ${e2e}`);
  const join = get("groupJoinMs");
  const rabbit = input.clients?.consumers === "amqplib";
  if (join && join.n > 0) lines.push(`  ${rabbit ? "Consumer ready:   " : "Group join:       "}  ${meanPlusMinus(join, "ms")}`);
  if (loop?.cold !== null && loop?.cold !== undefined && cold) {
    lines.push(`  Cold run (rep 1, ${cold.kind === "warmup" ? "warm-up" : "not in the statistics"}): ${formatDuration(loop.cold)}${loop.coldRatio ? ` (${loop.coldRatio.toFixed(2)}× the warm mean)` : ""}`);
  }
  const total = rows.filter((r) => r.kind === "measured").reduce<Accounting>((a, r) => addAccounting(a, r), { ...NO_ACCOUNTING });
  lines.push(`  Messages:           ${accountingLine(total)}   (all measured repetitions)`);
  if (input.idCarrier) lines.push(`  Measured by:        ${CARRIER_TEXT[input.idCarrier] ?? input.idCarrier}${input.clients ? clientsText(input.clients) : ""}`);
  const unconnected = rows.filter((r) => r.kind === "measured" && r.producersUnconnected > 0);
  if (unconnected.length) lines.push(`  Producers:          ${unconnected.map((r) => `rep ${r.rep}: ${r.producersUnconnected} of ${r.producers} could not connect`).join("; ")}   (they sent nothing; the others' figures stand)`);
  const failed = rows.filter((r) => r.state !== "completed");
  if (failed.length) lines.push(`  Failed:             ${failed.map((r) => `rep ${r.rep}: ${r.error ?? r.state}`).join("; ")}`);
  for (const w of warningsFor(rows, summary)) lines.push(`  Warning: ${w}`);
  return lines.join("\n");
}

/** The summary of every configuration of a run, as `perflab run` prints it at the end. */
export function runSummaryText(result: { runDir: string; configurations: Array<{ id: string; label: string; spec?: { producers: { idCarrier?: string; client: string; script?: string }; consumers: { client: string } } }>; repetitions: RepRow[]; summaries: SummaryRow[] }): string {
  const latency = readLatencySummary(result.runDir);
  return result.configurations
    .map((c) =>
      configurationSummary({
        configId: c.id,
        label: c.label,
        rows: result.repetitions.filter((r) => r.configId === c.id),
        summary: result.summaries.filter((s) => s.configId === c.id),
        latency: latency[c.id],
        idCarrier: c.spec?.producers.idCarrier,
        clients: c.spec ? { producers: c.spec.producers.script ? `${path.basename(c.spec.producers.script)} (your script)` : c.spec.producers.client, consumers: c.spec.consumers.client, script: Boolean(c.spec.producers.script) } : undefined,
      }),
    )
    .join("\n\n");
}
