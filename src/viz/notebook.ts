/**
 * Notebook output through tslab's display API. Plotly goes out as inline HTML (the plotly MIME type is
 * dropped by nbconvert's HTML export): the bundle once per kernel, then a div + Plotly.newPlot per figure.
 */
import fs from "node:fs";
import path from "node:path";
import type { Figure } from "./figures";
import { figureHtml, plotlyScriptTag } from "./html";
import { htmlTable, REPORT_CSS, type Column } from "../report/tables";
import { escapeHtml } from "../report/escape";
import { statsRows, statsTableHtml } from "../report/run-report";
import { loadRun } from "../analysis/run-data";
import { runProfiles } from "../profiling/run-profiles";

interface Tslab {
  display: { html(s: string): void; markdown(s: string): void; text(s: string): void };
}

function tslab(): Tslab {
  return require("tslab") as Tslab;
}

const STATE = Symbol.for("kafka-perf-lab.notebook");
function state(): { plotly: boolean; css: boolean } {
  const g = globalThis as Record<symbol, { plotly: boolean; css: boolean } | undefined>;
  return (g[STATE] ??= { plotly: false, css: false });
}

export interface NotebookParams {
  /** Small runs (CI, a first look) instead of the full ones. */
  quick: boolean;
  mode: "quick" | "full";
}

/**
 * quick vs full: PERFLAB_NOTEBOOK_MODE=quick|full wins; else `params.json` next to the notebooks
 * ({"mode": "quick"}); else full. (papermill has no TypeScript translator, hence env or a file.)
 */
export function notebookParams(dir: string = process.cwd()): NotebookParams {
  let mode = process.env.PERFLAB_NOTEBOOK_MODE;
  if (!mode) {
    const file = path.join(dir, "params.json");
    if (fs.existsSync(file)) mode = (JSON.parse(fs.readFileSync(file, "utf8")) as { mode?: string }).mode;
  }
  const quick = mode === "quick";
  return { quick, mode: quick ? "quick" : "full" };
}

/** First cell of a notebook: puts plotly on the page (once per kernel, or again with `force`) and returns the parameters. */
export function setupNotebook(opts: { force?: boolean } = {}): NotebookParams {
  const s = state();
  if (!s.plotly || opts.force) {
    tslab().display.html(plotlyScriptTag() + `<style>${REPORT_CSS.replace(/body\{[^}]*\}/, "")}</style>`);
    s.plotly = true;
    s.css = true;
  }
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
  return notebookParams();
}

export function show(fig: Figure, opts: { height?: number } = {}): void {
  if (!state().plotly) setupNotebook();
  tslab().display.html(figureHtml(fig, opts));
}

export function showHtml(html: string): void {
  tslab().display.html(html);
}

export function showMarkdown(md: string): void {
  tslab().display.markdown(md);
}

/** Rows as an HTML table; columns default to every key of the first row. */
export function showTable<T extends object>(rows: T[], columns?: Array<Column<T>>, opts: { caption?: string } = {}): void {
  const css = cssOnce();
  const cols = columns ?? Object.keys(rows[0] ?? {}).map((k) => ({ key: k, label: k }) as Column<T>);
  tslab().display.html(css + htmlTable(rows, cols, opts));
}

/** A danfojs DataFrame as an HTML table (the first `rows` rows). */
export function showFrame(df: { head(n: number): unknown }, opts: { rows?: number; caption?: string } = {}): void {
  const { danfojs } = require("../analysis/frames") as typeof import("../analysis/frames");
  const rows = danfojs().toJSON(df.head(opts.rows ?? 10) as never, { format: "column" }) as Array<Record<string, unknown>>;
  showTable(rows, undefined, { caption: opts.caption });
}

/** The hyperfine-style summary text of a run in a <pre>. */
export function showRunSummary(text: string): void {
  tslab().display.html(`<pre>${escapeHtml(text)}</pre>`);
}

type RunLike = string | { runDir: string };
const dirOf = (r: RunLike) => (typeof r === "string" ? r : r.runDir);

/** Statistics per configuration (mean ± σ, 95% CI, range, cold run) for some metrics of a run. */
export function showStats(run: RunLike, metrics?: string[]): void {
  showHtml(cssOnce() + statsTableHtml(statsRows(loadRun(dirOf(run)).summary, metrics)));
}

/** Exact accounting per repetition: produced, acked, consumed, duplicates, lost. */
export function showAccounting(run: RunLike): void {
  const data = loadRun(dirOf(run));
  showTable(data.accounting, ["label", "rep", "kind", "produced", "acked", "failed", "consumed", "duplicates", "lost", "unackedDelivered"].map((k) => ({ key: k, label: k })));
}

/** GC pauses of one role's heap-profiled repetition, for memoryFigure. */
export function gcPauses(run: RunLike, sel: { configId?: string; role?: string } = {}): Array<{ atSec: number; durationMs: number; kind: string }> {
  const p = runProfiles(dirOf(run)).find((x) => x.gc && (!sel.configId || x.configId === sel.configId) && (!sel.role || x.roleId === sel.role || x.roleId.startsWith(`${sel.role}-`)));
  if (!p) return [];
  const data = JSON.parse(fs.readFileSync(p.gc!, "utf8")) as { pauses: Array<{ atMs: number; durationMs: number; kind: string }> };
  return data.pauses.map((g) => ({ atSec: g.atMs / 1000, durationMs: g.durationMs, kind: g.kind }));
}

function cssOnce(): string {
  const s = state();
  if (s.css) return "";
  s.css = true;
  return `<style>${REPORT_CSS.replace(/body\{[^}]*\}/, "")}</style>`;
}
