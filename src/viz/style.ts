/**
 * How the lab's figures look: fonts, colors, one look per trace, the layout every figure starts from, fault marks,
 * and where a legend goes (with the figure's height made to fit it).
 */
import type { FaultMarker } from "../analysis/series";

const FONT = { family: "system-ui, -apple-system, Segoe UI, sans-serif", size: 12 };
export const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const CATEGORY_COLORS: Record<string, string> = { user: "#1f77b4", lab: "#17becf", dependency: "#ff7f0e", node: "#2ca02c", v8: "#9467bd", gc: "#d62728", program: "#8c564b", idle: "#c7c7c7", "": "#c7c7c7" };

const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "star"];
const DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

/**
 * The i-th trace's look: ten colors, and with each further ten a marker symbol and a line dash of their own, so
 * that no two of up to 60 configurations look alike (notebook 06's full matrix has 24).
 */
export function look(i: number): { color: string; symbol: string; dash: string } {
  const round = Math.floor(i / COLORS.length) % SYMBOLS.length;
  return { color: COLORS[i % COLORS.length]!, symbol: SYMBOLS[round]!, dash: DASHES[round]! };
}

/** Height (px) of a figure that sets none, wherever it is drawn (html.ts, the notebook's show()). */
export const FIGURE_HEIGHT = 420;
const MARGIN = { l: 60, r: 20, t: 50, b: 50 };
const LEGEND_ROW_PX = 20;
/** Up to this many entries (that fit) the legend is one row under the plot. */
const LEGEND_BELOW_MAX = 4;
/** Names up to this long go in a column right of the plot; longer ones in rows under it. */
const LEGEND_SIDE_MAX_CHARS = 36;
// Measured in Chromium at 12 px: ~7.1 px per character. Sizes are counted for a narrow notebook: a figure 800 px
// wide, 720 px of it between the margins. A wider page needs less.
const CHAR_PX = 7.2;
const NARROW_PX = 720;

const longest = (names: string[]) => Math.max(0, ...names.map((n) => n.length));

/** Whether these category names fit side by side, level, under an axis (else plotly tilts them and cuts them off). */
export function fitsFlat(names: string[]): boolean {
  return names.length * (longest(names) * CHAR_PX + 12) <= NARROW_PX;
}

/**
 * Where the legend of these entries goes, and how tall the figure must be for it. Plotly makes room for a legend
 * by shrinking the plot: 24 configurations in rows under it left the plot a strip ~120 px high, with the legend
 * over the axis titles. So: a few entries that fit, one row under the plot (the default); more with short names,
 * a column right of the plot and the figure as tall as the column; otherwise rows under the plot, and the figure
 * taller by those rows (on a wider page, the rows it does not need stay empty at the bottom).
 */
export function legendFor(names: string[]): Record<string, unknown> {
  const perRow = Math.max(1, Math.floor(NARROW_PX / (longest(names) * CHAR_PX + 40))); // 40 px: an entry's symbol
  if (names.length <= Math.min(LEGEND_BELOW_MAX, perRow)) return {};
  if (names.length > LEGEND_BELOW_MAX && longest(names) <= LEGEND_SIDE_MAX_CHARS) {
    return { legend: { orientation: "v", x: 1.02, xanchor: "left", y: 1, yanchor: "top" }, height: Math.max(FIGURE_HEIGHT, 130 + LEGEND_ROW_PX * names.length) };
  }
  const legendPx = LEGEND_ROW_PX * Math.ceil(names.length / perRow) + 40;
  // The plot keeps its height (FIGURE_HEIGHT less the margins, 310 px); the legend starts 60 px under it, below the
  // x-axis title (paper coordinates are fractions of the plot's height).
  const titlePx = 60;
  const plotPx = FIGURE_HEIGHT - MARGIN.t - titlePx;
  return {
    legend: { orientation: "h", x: 0, xanchor: "left", y: -titlePx / plotPx, yanchor: "top" },
    margin: { ...MARGIN, b: titlePx + legendPx },
    height: FIGURE_HEIGHT + legendPx,
  };
}

export function layout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title, x: 0.01, xanchor: "left" }, font: FONT, margin: MARGIN, hovermode: "closest", legend: { orientation: "h", y: -0.2 }, ...extra };
}

export function faultShapes(faults: FaultMarker[]): { shapes: unknown[]; annotations: unknown[] } {
  return {
    shapes: faults.map((f) => ({ type: "line", xref: "x", yref: "paper", x0: f.atSec, x1: f.atSec, y0: 0, y1: 1, line: { color: "#b42318", width: 1.5, dash: "dash" } })),
    annotations: faults.map((f, i) => ({ x: f.atSec, y: 1 - (i % 3) * 0.08, xref: "x", yref: "paper", text: f.label, showarrow: false, xanchor: "left", font: { size: 11, color: "#b42318" } })),
  };
}
