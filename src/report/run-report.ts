import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { writeFileAtomic } from "../paths";
import { loadRun, configLabel, latencyOf, seriesOf, faultMarkers, type RunData } from "../analysis/run-data";
import { configurationSummary, warningsFor } from "../analysis/summary-text";
import { runProfiles, runFunctionTable, runCallTree, runAllocationTable, topFunctions, timeByCategory, type FunctionRow } from "../profiling";
import { errorMessage } from "../errors";
import * as fig from "../viz/figures";
import { figureHtml, plotlyScriptTag } from "../viz/html";
import { escapeHtml } from "./escape";
import { fmtNumber, htmlTable, REPORT_CSS } from "./tables";
import type { SummaryRow } from "../experiment/aggregate";

const KEY_METRICS = ["producerLoopMs", "consumerLoopMs", "produceThroughputMsgsPerSec", "consumeThroughputMsgsPerSec", "e2eLatencyP99Ms", "groupJoinMs", "maxLagMsgs"];

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
    { key: "ci95Low", label: "95% CI of mean", align: "right", format: (r) => (Number.isFinite(r.ci95Low) ? `${fmtNumber(r.ci95Low)} … ${fmtNumber(r.ci95High)}` : "–") },
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

function accountingTableHtml(run: RunData): string {
  return htmlTable(run.accounting, [
    { key: "label", label: "configuration" },
    { key: "rep", label: "rep" },
    { key: "kind", label: "kind" },
    { key: "state", label: "state" },
    { key: "produced", label: "produced" },
    { key: "acked", label: "acked" },
    { key: "failed", label: "failed" },
    { key: "consumed", label: "consumed" },
    { key: "duplicates", label: "duplicates" },
    { key: "lost", label: "lost" },
    { key: "unackedDelivered", label: "unacked but delivered" },
  ], { caption: "Exact accounting by message id, per repetition" });
}

function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${id}"` : ""}><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function figures(figs: Array<fig.Figure | null>): string {
  return figs.filter((f): f is fig.Figure => f !== null).map((f) => figureHtml(f)).join("\n");
}

/** The standalone HTML of a run: summaries, statistics, accounting, plots, function tables, links to flamegraphs. */
export function buildRunReport(runDir: string): string {
  const run = loadRun(runDir);
  const m = run.manifest;
  const configs = m.configurations;
  const parts: string[] = [];
  const started = new Date(m.startedAt);
  const duration = m.endedAt ? (new Date(m.endedAt).getTime() - started.getTime()) / 1000 : null;
  const env = m.environment as Record<string, any>;
  parts.push(`<header><p class="muted">kafka-perf-lab report · run <code>${escapeHtml(m.runId)}</code></p>
<h1>${escapeHtml(m.name)} <span class="badge state-${escapeHtml(m.state)}">${escapeHtml(m.state)}</span></h1>
${m.description ? `<p>${escapeHtml(m.description)}</p>` : ""}
${m.error ? `<div class="warn">${escapeHtml(m.error)}</div>` : ""}
<dl class="env"><dt>started</dt><dd>${escapeHtml(m.startedAt)}${duration !== null ? ` · ${duration.toFixed(1)} s` : ""}</dd>
<dt>configurations</dt><dd>${configs.length} · ${m.quick ? "quick mode (--quick)" : "full mode"}</dd>
<dt>Kafka</dt><dd>${escapeHtml(String(env?.kafka ?? "?"))} · ${escapeHtml(String((m.kafka as Record<string, unknown>).kind))} · ${escapeHtml(((m.kafka as Record<string, unknown>).bootstrap as string[] | undefined)?.join(", ") ?? "")} · ${escapeHtml(String((m.kafka as Record<string, unknown>).securityProtocol ?? ""))}</dd>
<dt>client</dt><dd>kafkajs ${escapeHtml(String(env?.kafkajs))} on Node ${escapeHtml(String(env?.node))}</dd>
<dt>machine</dt><dd>${escapeHtml(String(env?.cpu?.model))} × ${escapeHtml(String(env?.cpu?.cores))} · ${escapeHtml(String(env?.memoryGiB))} GiB · ${escapeHtml(String(env?.os))}</dd>
<dt>git</dt><dd>${escapeHtml(String(env?.git?.sha ?? "–"))}${env?.git?.dirty ? " (uncommitted changes)" : ""}</dd></dl></header>`);

  const warnings = [...m.warnings];
  for (const c of configs) {
    for (const w of warningsFor(run.repetitions.filter((r) => r.configId === c.id), run.summary.filter((s) => s.configId === c.id))) warnings.push(`${c.label}: ${w}`);
  }
  if (warnings.length) parts.push(section("Warnings", warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`).join("")));

  const texts = configs.map((c) =>
    configurationSummary({
      configId: c.id,
      label: c.label,
      rows: run.repetitions.filter((r) => r.configId === c.id),
      summary: run.summary.filter((s) => s.configId === c.id),
      latency: Object.fromEntries(["sendLatencyUs", "e2eLatencyUs"].map((n) => [n, latencyOf(run, c.id, n as "sendLatencyUs")?.summary]).filter(([, v]) => v)),
    }),
  );
  parts.push(section("Summary", `<pre>${escapeHtml(texts.join("\n\n"))}</pre>`, "summary"));
  parts.push(section("Statistics per configuration", `<p class="muted">Warm repetitions: measured, completed, without the first (cold) one, which is shown apart. σ is the sample standard deviation (n − 1); the 95% confidence interval of the mean uses Student's t.</p>${statsTableHtml(statsRows(run.summary))}`, "stats"));

  const lat = configs.map((c) => ({ label: c.label, send: latencyOf(run, c.id, "sendLatencyUs")?.summary, e2e: latencyOf(run, c.id, "e2eLatencyUs")?.summary, ct: latencyOf(run, c.id, "e2eCreateTimeUs")?.summary }));
  const ms = (x: number | undefined) => (x === undefined ? "–" : fmtNumber(x / 1000, 3));
  parts.push(
    section(
      "Latency (all warm repetitions pooled)",
      `<p class="muted">Histograms of every process and repetition are merged before percentiles are taken. Send → ack: from send() to the broker's acknowledgement of its batch. End-to-end: from the producer's send timestamp (monotonic clock, in the message) to the consumer receiving it; Kafka's CreateTime (ms resolution) beside it.</p>` +
        htmlTable(lat, [
          { key: "label", label: "configuration" },
          { key: "send", label: "send→ack p50 / p99 / p99.9 / max (ms)", format: (r) => (r.send ? `${ms(r.send.p50)} / ${ms(r.send.p99)} / ${ms(r.send.p999)} / ${ms(r.send.max)}` : "–") },
          { key: "e2e", label: "end-to-end p50 / p99 / p99.9 / max (ms)", format: (r) => (r.e2e ? `${ms(r.e2e.p50)} / ${ms(r.e2e.p99)} / ${ms(r.e2e.p999)} / ${ms(r.e2e.max)}` : "–") },
          { key: "ct", label: "via CreateTime p50 / p99 (ms)", format: (r) => (r.ct ? `${ms(r.ct.p50)} / ${ms(r.ct.p99)}` : "–") },
          { key: "e2e", label: "samples", format: (r) => (r.e2e ? r.e2e.count.toLocaleString("en-US") : "–") },
        ]) +
        figures([
          (() => {
            const d = configs.map((c) => latencyOf(run, c.id, "e2eLatencyUs")?.distribution).filter((x): x is fig.Distribution => !!x);
            return d.length ? fig.percentileFigure(d, { title: "End-to-end latency by percentile" }) : null;
          })(),
          (() => {
            const d = configs.map((c) => latencyOf(run, c.id, "sendLatencyUs")?.distribution).filter((x): x is fig.Distribution => !!x);
            return d.length ? fig.latencyHistogramFigure(d, { title: "Send → ack latency distribution" }) : null;
          })(),
        ]),
      "latency",
    ),
  );

  const hasReps = run.repetitions.some((r) => r.kind === "measured");
  if (hasReps) {
    parts.push(
      section(
        "Repetitions",
        figures([
          fig.repetitionsFigure(run.repetitions, "producerLoopMs", { title: "Producer loop time per repetition", unit: "ms" }),
          run.repetitions.some((r) => r.consumerLoopMs !== null) ? fig.repetitionsFigure(run.repetitions, "consumerLoopMs", { title: "Consumer loop time per repetition", unit: "ms" }) : null,
          fig.coldWarmFigure(run.summary, "producerLoopMs"),
          configs.length > 1 ? fig.tradeoffFigure(run.summary) : null,
        ]),
        "repetitions",
      ),
    );
  }

  const timeFigs = configs.flatMap((c) => {
    const faults = faultMarkers(run, c.id);
    const acked = seriesOf(run, c.id, "acked", { kind: "producer", name: "acked (producers)" });
    const consumed = seriesOf(run, c.id, "consumed", { kind: "consumer", name: "consumed (consumers)" });
    const lag = seriesOf(run, c.id, "lag", { kind: "consumer", name: "lag" });
    const out: Array<fig.Figure | null> = [];
    if (acked.seconds.length || consumed.seconds.length) out.push(fig.throughputFigure([acked, consumed], { title: `Throughput over time — ${c.label}`, faults }));
    if (lag.values.some((v) => v !== null)) out.push(fig.lagFigure([lag], { title: `Consumer lag over time — ${c.label}`, faults }));
    return out;
  });
  if (timeFigs.length) parts.push(section("Over time (first warm repetition)", figures(timeFigs), "timeseries"));

  const faultRows = m.repetitions.flatMap((r) => r.faults.map((f) => ({ config: configLabel(run, r.configId), rep: r.rep, ...f })));
  if (faultRows.length) {
    parts.push(
      section(
        "Faults",
        htmlTable(faultRows, [
          { key: "config", label: "configuration" },
          { key: "rep", label: "rep" },
          { key: "action", label: "action" },
          { key: "target", label: "target" },
          { key: "at", label: "planned (s)" },
          { key: "actualAtMs", label: "happened (s)", format: (f) => fmtNumber(f.actualAtMs / 1000, 3) },
          { key: "ok", label: "ok", format: (f) => (f.ok ? "yes" : `no: ${f.error ?? ""}`) },
        ]),
        "faults",
      ),
    );
  }
  parts.push(section("Messages", accountingTableHtml(run), "accounting"));
  parts.push(profilingSection(run));
  parts.push(
    section(
      "Spec and files",
      `<pre>${escapeHtml(YAML.stringify(m.spec))}</pre><p>${["manifest.json", "summary.csv", "repetitions.csv", "accounting.csv", "timeseries.csv", "latency.json", "histograms.json"]
        .filter((f) => fs.existsSync(path.join(run.runDir, f)))
        .map((f) => `<a href="${f}">${f}</a>`)
        .join(" · ")}</p>`,
      "files",
    ),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(m.name)} · kafka-perf-lab report</title><link rel="icon" href="data:,"><style>${REPORT_CSS}</style>${plotlyScriptTag()}</head>
<body>${parts.join("\n")}<footer><p class="muted">Generated by kafka-perf-lab ${escapeHtml(String(env?.lab?.version ?? ""))} on ${new Date().toISOString()}.</p></footer></body></html>`;
}

function profilingSection(run: RunData): string {
  const profiles = runProfiles(run.runDir);
  if (profiles.length === 0) return "";
  const rel = (file: string) => path.relative(run.runDir, file).split(path.sep).join("/");
  const parts: string[] = [
    `<p class="muted">Profiles cover each role's measured window in repetitions of their own, so the timed repetitions above are not slowed by them. Self time weights every sample by its duration; total time counts a function once per stack (recursion-safe); calls are exact (V8 precise coverage, counted with the optimizing compiler off). Locations are mapped back to TypeScript through source maps.</p>`,
  ];
  const cost = run.manifest.collectorCost;
  if (cost.length) {
    parts.push(
      htmlTable(cost as Array<Record<string, unknown>>, [
        { key: "configId", label: "configuration", format: (c) => configLabel(run, String(c.configId)) },
        { key: "collector", label: "collector" },
        { key: "produceRatio", label: "produce throughput vs warm", format: (c) => (typeof c.produceRatio === "number" ? `${(c.produceRatio * 100).toFixed(0)}%` : "–") },
        { key: "consumeRatio", label: "consume throughput vs warm", format: (c) => (typeof c.consumeRatio === "number" ? `${(c.consumeRatio * 100).toFixed(0)}%` : "–") },
      ], { caption: "What each collector cost (throughput of its repetition ÷ the warm mean)" }),
    );
  }
  for (const p of profiles) {
    const label = `${p.roleId} · ${configLabel(run, p.configId)}`;
    parts.push(`<h3>${escapeHtml(label)}</h3>`);
    const links = [
      p.flamegraph ? `<a href="${rel(p.flamegraph)}">flamegraph (0x)</a>` : null,
      p.cpuprofile ? `<a href="${rel(p.cpuprofile)}">${escapeHtml(path.basename(p.cpuprofile))}</a> (Chrome DevTools, speedscope)` : null,
      p.heapprofile ? `<a href="${rel(p.heapprofile)}">${escapeHtml(path.basename(p.heapprofile))}</a>` : null,
    ].filter(Boolean);
    if (links.length) parts.push(`<p>${links.join(" · ")}</p>`);
    for (const e of p.errors) parts.push(`<div class="warn">${escapeHtml(e)}</div>`);
    if (p.cpuprofile) {
      try {
        const t = runFunctionTable(run.runDir, { configId: p.configId, role: p.roleId });
        parts.push(`<p class="muted">${fmtNumber(t.busyMs, 1)} ms busy, ${fmtNumber(t.idleMs, 1)} ms idle, GC ${fmtNumber(t.gcMs, 1)} ms · ${t.samples} samples</p>`);
        parts.push(htmlTable(timeByCategory(t).slice(0, 8), [
          { key: "group", label: "where the time goes" },
          { key: "selfMs", label: "self (ms)" },
          { key: "selfPct", label: "% of busy" },
        ]));
        parts.push(`<div class="grid"><div>${functionTableHtml(topFunctions(t, "self", 10), "Top 10 by self time")}</div><div>${functionTableHtml(topFunctions(t, "total", 10, ["user", "dependency"]), "Top 10 by total time (your code and packages)")}</div></div>`);
        if (t.callsNote) parts.push(functionTableHtml(topFunctions(t, "calls", 10), "Top 10 by calls"));
        parts.push(figureHtml(fig.icicleFigure(runCallTree(run.runDir, { configId: p.configId, role: p.roleId }), { title: `Call tree — ${label}` })));
      } catch (err) {
        parts.push(`<div class="warn">${escapeHtml(errorMessage(err))}</div>`);
      }
    }
    if (p.heapprofile) {
      try {
        const a = runAllocationTable(run.runDir, { configId: p.configId, role: p.roleId });
        parts.push(figureHtml(fig.allocationFigure(a.rows.slice(0, 10), { title: `Top allocation sites — ${label} (${fmtNumber(a.totalBytes / 2 ** 20, 1)} MB sampled)` })));
      } catch (err) {
        parts.push(`<div class="warn">${escapeHtml(errorMessage(err))}</div>`);
      }
    }
  }
  return section("Profiles", parts.join("\n"), "profiles");
}

/** Write `report.html` into the run directory; returns its path. */
export function writeRunReport(runDir: string): string {
  const html = buildRunReport(runDir);
  const file = path.join(path.resolve(runDir), "report.html");
  writeFileAtomic(file, html);
  return file;
}
