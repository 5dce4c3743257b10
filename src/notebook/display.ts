/**
 * Notebook output through tslab's display API. Every output stands on its own, so it renders again after a
 * page reload, in a second tab and in a reopened notebook (nothing relies on an earlier output having put a
 * script or a style on the page). A figure is one output with two representations: its plotly JSON
 * (`application/vnd.plotly.v1+json`, what the lab's HTML export draws, also with sanitizing on) and an
 * HTML fallback that JupyterLab shows — a div, and a script that loads plotly.js once per page from the
 * Jupyter server (served by `npm run lab`) and draws; in an untrusted notebook the div says why it is empty.
 */
import fs from "node:fs";
import path from "node:path";
import type { Figure } from "../viz/figures";
import { notebookFigureHtml } from "../viz/html";
import { FIGURE_HEIGHT } from "../viz/style";
import { htmlTable, REPORT_CSS, type Column } from "../report/tables";
import { escapeHtml } from "../report/escape";
import { statsRows, statsTableHtml } from "../report/sections";
import { loadRun } from "../results/load";

interface Tslab {
  display: { html(s: string): void; markdown(s: string): void; text(s: string): void };
}

function tslab(): Tslab {
  return require("tslab") as Tslab;
}

/** tslab's display channel for one output with several MIME types (its public API sends one type per output). */
function displayData(data: Record<string, unknown>): void {
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: ((d: unknown, update: boolean) => void) | null };
  if (!jupyter.lastWriteDisplayData) throw new Error("not in a tslab kernel: figures show in notebooks (use figureHtml() elsewhere)");
  jupyter.lastWriteDisplayData({ data, metadata: {}, transient: {} }, false);
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

/** First cell of a notebook: quick or full mode, and quiet client warnings. (Figures need no set-up: each output carries what it needs.) */
export function setupNotebook(): NotebookParams {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
  return notebookParams();
}

/** A plotly figure as one output: its JSON for exports, and HTML that draws it in JupyterLab (see the module comment). */
export function show(fig: Figure, opts: { height?: number } = {}): void {
  const h = opts.height ?? (fig.layout.height as number | undefined) ?? FIGURE_HEIGHT;
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? "figure";
  displayData({
    "application/vnd.plotly.v1+json": { data: fig.data, layout: { ...fig.layout, height: h } },
    "text/html": notebookFigureHtml(fig, { height: h }),
    "text/plain": `[plotly figure: ${title}]`,
  });
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
  showTable(data.accounting, ["label", "rep", "kind", "produced", "acked", "failed", "consumed", "received", "duplicates", "lost", "unackedDelivered"].map((k) => ({ key: k, label: k })));
}

/** The table styles, in every output that needs them (1.6 kB): an output must render on its own after a reload. */
function cssOnce(): string {
  return `<style>${REPORT_CSS.replace(/body\{[^}]*\}/, "")}</style>`;
}

/** Links to a run's report, flamegraphs and profiles that open in a new tab through the Jupyter server (see links.ts). */
export function showLinks(run: RunLike): void {
  const { runLinks, runLinksHtml } = require("./links") as typeof import("./links");
  tslab().display.html(runLinksHtml(runLinks(dirOf(run))));
}
