/** HTML sections of a run report: every figure and table from the run's data, nothing computed twice. */
import YAML from "yaml";
import { configLabel, faultMarkers, latencyOf, seriesOf, type SeriesLine } from "../analysis/series";
import { configurationSummary, warningsFor } from "../analysis/summary-text";
import { RUN_FILES } from "../results/files";
import { existingRunFiles, type RunData } from "../results/load";
import type { SummaryRow } from "../results/rows";
import type { FunctionRow } from "../profiling/table";
import * as fig from "../viz/figures";
import { figureHtml } from "../viz/html";
import { escapeHtml } from "./escape";
import { fmtNumber, htmlTable } from "./tables";

const KEY_METRICS = ["producerLoopMs", "consumerLoopMs", "produceThroughputMsgsPerSec", "consumeThroughputMsgsPerSec", "e2eLatencyP99Ms", "groupJoinMs", "maxLagMsgs"];

export function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${id}"` : ""}><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

export function figures(figs: Array<fig.Figure | null>): string {
  return figs.filter((f): f is fig.Figure => f !== null).map((f) => figureHtml(f)).join("\n");
}

/** One stats row per configuration and key metric: n, mean ± σ, 95% CI, range, cold run. */
export function statsRows(summary: SummaryRow[], metrics: string[] = KEY_METRICS): SummaryRow[] {
  return summary.filter((s) => metrics.includes(s.metric) && (s.n > 0 || s.cold !== null));
}

export function statsTableHtml(rows: SummaryRow[]): string {
  return htmlTable(rows, [
    { key: "label", label: "configuration" },
    { key: "description", label: "metric", format: (r) => `${r.description} (${r.unit})` },
    { key: "n", label: "n warm" },
    { key: "mean", label: "mean ± σ", align: "right", format: (r) => `${fmtNumber(r.mean)} ± ${fmtNumber(r.std)}` },
    { key: "ci95Low", label: "95% CI of mean", align: "right", format: (r) => (r.ciMethod === "none" ? (r.n > 0 ? "too few runs" : "–") : `${fmtNumber(r.ci95Low)} … ${fmtNumber(r.ci95High)}${r.ciMethod === "log-normal" ? " (log-normal)" : ""}`) },
    { key: "min", label: "min" },
    { key: "p50", label: "p50" },
    { key: "p95", label: "p95" },
    { key: "max", label: "max" },
    { key: "cold", label: "cold (1st run)" },
    { key: "coldRatio", label: "cold ÷ warm", format: (r) => (r.coldRatio ? `${r.coldRatio.toFixed(2)}×` : "–") },
  ]);
}

export function functionTableHtml(rows: FunctionRow[], caption: string): string {
  return htmlTable(rows, [
    { key: "calls", label: "ncalls", format: (r) => (r.calls === null ? "–" : r.calls.toLocaleString("en-US")), align: "right" },
    { key: "selfMs", label: "tottime (ms)" },
    { key: "selfMsPerCall", label: "percall", format: (r) => fmtNumber(r.selfMsPerCall, 4) },
    { key: "totalMs", label: "cumtime (ms)" },
    { key: "totalMsPerCall", label: "percall", format: (r) => fmtNumber(r.totalMsPerCall, 4) },
    { key: "selfPct", label: "self %" },
    { key: "totalPct", label: "total %" },
    { key: "name", label: "function" },
    { key: "location", label: "location", format: (r) => r.location || `(${r.category})` },
  ], { caption });
}

export function headerHtml(run: RunData): string {
  const m = run.manifest;
  const env = m.environment;
  const started = new Date(m.startedAt);
  const duration = m.endedAt ? (new Date(m.endedAt).getTime() - started.getTime()) / 1000 : null;
  const clients = Object.entries(env.clients ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
  const e = (x: unknown) => escapeHtml(String(x ?? "–"));
  return `<header><p class="muted">kafka-perf-lab report · run <code>${e(m.runId)}</code></p>
<h1>${e(m.name)} <span class="badge state-${e(m.state)}">${e(m.state)}</span></h1>
${m.description ? `<p>${e(m.description)}</p>` : ""}
${m.error ? `<div class="warn">${e(m.error)}</div>` : ""}
<dl class="env"><dt>started</dt><dd>${e(m.startedAt)}${duration !== null ? ` · ${duration.toFixed(1)} s` : ""}</dd>
<dt>configurations</dt><dd>${m.configurations.length} · ${m.quick ? "quick mode (--quick)" : "full mode"}</dd>
${
  m.kafka
    ? `<dt>Kafka</dt><dd>${e(env.kafka)} · ${e(m.kafka.kind)} · ${e(m.kafka.bootstrap?.join(", "))}${m.kafka.securityProtocol ? ` · ${e(m.kafka.securityProtocol)}` : ""}</dd>`
    : `<dt>RabbitMQ</dt><dd>${e(m.broker?.version ?? "version unknown (external node)")} · ${e(m.broker?.address)}</dd>`
}
<dt>clients</dt><dd>${e(clients)} on Node ${e(env.node)}</dd>
<dt>machine</dt><dd>${e(env.cpu?.model)} × ${e(env.cpu?.cores)} · ${e(env.memoryGiB)} GiB · ${e(env.os)}</dd>
<dt>git</dt><dd>${e(env.git?.sha ?? "–")}${env.git?.dirty ? " (uncommitted changes)" : ""}</dd></dl></header>`;
}

export function warningsSection(run: RunData): string {
  const warnings = [...run.manifest.warnings];
  for (const c of run.manifest.configurations) {
    for (const w of warningsFor(run.repetitions.filter((r) => r.configId === c.id), run.summary.filter((s) => s.configId === c.id))) warnings.push(`${c.label}: ${w}`);
  }
  return warnings.length ? section("Warnings", warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`).join("")) : "";
}

export function summarySection(run: RunData): string {
  const texts = run.manifest.configurations.map((c) =>
    configurationSummary({
      configId: c.id,
      label: c.label,
      rows: run.repetitions.filter((r) => r.configId === c.id),
      summary: run.summary.filter((s) => s.configId === c.id),
      latency: Object.fromEntries(["sendLatencyUs", "e2eLatencyUs"].map((n) => [n, latencyOf(run, c.id, n as "sendLatencyUs")?.summary]).filter(([, v]) => v)),
      idCarrier: c.idCarrier,
      clients: c.clients ? { ...c.clients, script: c.clients.producers === "script" } : undefined,
    }),
  );
  const stats = `<p class="muted">Warm repetitions: measured, completed, without the first (cold) one, which is shown apart. σ is the sample standard deviation (n − 1); the 95% confidence interval of the mean is the modified-Cox interval for log-normal data (every figure here is positive and skewed; Student's t covers the true mean less often for such data); none from fewer than 3 runs.</p>${statsTableHtml(statsRows(run.summary))}`;
  return section("Summary", `<pre>${escapeHtml(texts.join("\n\n"))}</pre>`, "summary") + section("Statistics per configuration", stats, "stats");
}

export function latencySection(run: RunData): string {
  const configs = run.manifest.configurations;
  const lat = configs.map((c) => ({ label: c.label, send: latencyOf(run, c.id, "sendLatencyUs")?.summary, e2e: latencyOf(run, c.id, "e2eLatencyUs")?.summary, ct: latencyOf(run, c.id, "e2eCreateTimeUs")?.summary }));
  const ms = (x: number | undefined) => (x === undefined ? "–" : fmtNumber(x / 1000, 3));
  const dists = (name: "e2eLatencyUs" | "sendLatencyUs") => configs.map((c) => latencyOf(run, c.id, name)?.distribution).filter((x): x is fig.Distribution => !!x);
  const e2e = dists("e2eLatencyUs");
  const send = dists("sendLatencyUs");
  return section(
    "Latency (all warm repetitions pooled)",
    `<p class="muted">Histograms of every process and repetition are merged before percentiles are taken. Send → ack: from send() to the broker's acknowledgement of its batch. End-to-end: from the producer's send time to the consumer receiving the message; Kafka's CreateTime (ms resolution) beside it.</p>` +
      htmlTable(lat, [
        { key: "label", label: "configuration" },
        { key: "send", label: "send→ack p50 / p99 / p99.9 / max (ms)", format: (r) => (r.send ? `${ms(r.send.p50)} / ${ms(r.send.p99)} / ${ms(r.send.p999)} / ${ms(r.send.max)}` : "–") },
        { key: "e2e", label: "end-to-end p50 / p99 / p99.9 / max (ms)", format: (r) => (r.e2e ? `${ms(r.e2e.p50)} / ${ms(r.e2e.p99)} / ${ms(r.e2e.p999)} / ${ms(r.e2e.max)}` : "–") },
        { key: "ct", label: "via CreateTime p50 / p99 (ms)", format: (r) => (r.ct ? `${ms(r.ct.p50)} / ${ms(r.ct.p99)}` : "–") },
        { key: "e2e", label: "samples", format: (r) => (r.e2e ? r.e2e.count.toLocaleString("en-US") : "–") },
      ]) +
      figures([e2e.length ? fig.percentileFigure(e2e, { title: "End-to-end latency by percentile" }) : null, send.length ? fig.latencyHistogramFigure(send, { title: "Send → ack latency distribution" }) : null]),
    "latency",
  );
}

export function repetitionsSection(run: RunData): string {
  if (!run.repetitions.some((r) => r.kind === "measured")) return "";
  return section(
    "Repetitions",
    figures([
      fig.repetitionsFigure(run.repetitions, "producerLoopMs", { title: "Producer loop time per repetition", unit: "ms" }),
      run.repetitions.some((r) => r.consumerLoopMs !== null) ? fig.repetitionsFigure(run.repetitions, "consumerLoopMs", { title: "Consumer loop time per repetition", unit: "ms" }) : null,
      fig.coldWarmFigure(run.summary, "producerLoopMs"),
      run.manifest.configurations.length > 1 ? fig.tradeoffFigure(run.summary) : null,
    ]),
    "repetitions",
  );
}

export function timeSeriesSection(run: RunData): string {
  const timeFigs = run.manifest.configurations.flatMap((c) => {
    const faults = faultMarkers(run, c.id);
    const acked = seriesOf(run, c.id, "acked", { kind: "producer", name: "acked (producers)" });
    const received = seriesOf(run, c.id, "received", { kind: "consumer", name: "received (consumers)" });
    const out: Array<fig.Figure | null> = [];
    if (acked.seconds.length || received.seconds.length) out.push(fig.throughputFigure([acked, received], { title: `Throughput over time — ${c.label}`, faults }));
    const lags = lagLines(run, c.id);
    if (lags.length) out.push(fig.lagFigure(lags, { title: `Lag over time — ${c.label} (messages)`, faults }));
    return out;
  });
  return timeFigs.length ? section("Over time (first warm repetition)", figures(timeFigs), "timeseries") : "";
}

/**
 * The broker-side lag (written − processed: Kafka's log end − the group's position; RabbitMQ's ready + what
 * the consumers hold), with Kafka's committed lag or RabbitMQ's ready beside it; else the consumers' own lag.
 */
function lagLines(run: RunData, configId: string): SeriesLine[] {
  const has = (l: SeriesLine) => l.values.some((v) => v !== null);
  const broker = seriesOf(run, configId, "lag", { kind: "broker", name: "lag: written − processed (sampled from the broker)" });
  if (has(broker)) {
    const committed = seriesOf(run, configId, "committedLag", { kind: "broker", name: "committed lag: written − committed" });
    const ready = seriesOf(run, configId, "ready", { kind: "broker", name: "ready in the queue" });
    return [broker, committed, ready].filter(has);
  }
  const own = seriesOf(run, configId, "lag", { kind: "consumer", name: "lag (consumers' own count)", aggregate: "max" });
  return has(own) ? [own] : [];
}

export function faultsSection(run: RunData): string {
  const rows = run.manifest.repetitions.flatMap((r) => r.faults.map((f) => ({ config: configLabel(run, r.configId), rep: r.rep, ...f })));
  if (!rows.length) return "";
  return section(
    "Faults",
    htmlTable(rows, [
      { key: "config", label: "configuration" },
      { key: "rep", label: "rep" },
      { key: "action", label: "action" },
      { key: "target", label: "target" },
      { key: "at", label: "planned (s)" },
      { key: "actualAtMs", label: "happened (s)", format: (f) => fmtNumber(f.actualAtMs / 1000, 3) },
      { key: "ok", label: "ok", format: (f) => (f.ok ? "yes" : `no: ${f.error ?? ""}`) },
    ]),
    "faults",
  );
}

export function accountingSection(run: RunData): string {
  const table = htmlTable(run.accounting, [
    { key: "label", label: "configuration" },
    { key: "rep", label: "rep" },
    { key: "kind", label: "kind" },
    { key: "state", label: "state" },
    { key: "produced", label: "produced" },
    { key: "acked", label: "acked" },
    { key: "failed", label: "failed" },
    { key: "consumed", label: "consumed" },
    { key: "received", label: "received" },
    { key: "duplicates", label: "duplicates" },
    { key: "lost", label: "lost" },
    { key: "unackedDelivered", label: "unacked but delivered" },
  ], { caption: "Exact accounting per repetition (consumed: distinct messages; received: receipts, duplicates included)" });
  return section("Messages", table, "accounting");
}

export function specSection(run: RunData): string {
  const present = existingRunFiles(run.runDir);
  const files = [RUN_FILES.manifest, RUN_FILES.summaryCsv, RUN_FILES.repetitionsCsv, RUN_FILES.accountingCsv, RUN_FILES.timeseries, RUN_FILES.latency, RUN_FILES.histograms].filter((f) => present.includes(f));
  return section("Spec and files", `<pre>${escapeHtml(YAML.stringify(run.manifest.spec))}</pre><p>${files.map((f) => `<a href="${f}">${f}</a>`).join(" · ")}</p>`, "files");
}
