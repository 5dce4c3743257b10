// test-duration: ~10 s
// Figures of a full-size matrix, drawn by plotly.js in headless Chromium at a report's width and at a narrow
// notebook's. Found in notebook 06 in full mode (24 configurations): the legend below the plot took most of the
// figure, squeezed the plot to a strip, ran into the axis titles, and colors repeated after ten. Quick mode (the
// notebook tests) has few configurations and never showed it. Here, from the drawn SVG: the plot keeps its
// height, the legend touches neither the plot, the axis titles nor the tick labels, nothing is cut off at the
// figure's edge, and every configuration has a marker of its own.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../helpers/browser";
import { tempDir } from "../helpers/kafka";
import { figureHtml, plotlyScriptTag } from "../../src/viz/html";
import { coldWarmFigure, lagFigure, repetitionsFigure, throughputFigure, tradeoffFigure, type Figure } from "../../src/viz/figures";
import type { RepRow, SummaryRow } from "../../src/results/rows";

let browser: Browser | null = null;
after(async () => {
  await browser?.close();
});

// Notebook 06's full matrix: acks × batchSize × lingerMs × compression.
const labels = [-1, 0, 1].flatMap((acks) => [100, 1000].flatMap((b) => [0, 20].flatMap((l) => ["none", "lz4"].map((c) => `acks=${acks} batchSize=${b} lingerMs=${l} compression=${c}`))));

// Notebook 07's: topic.partitions × consumers.count.
const labels07 = [1, 3, 6].flatMap((p) => [1, 2, 3].map((c) => `partitions=${p} count=${c}`));

function summaryRows(n: number): SummaryRow[] {
  return labels.slice(0, n).flatMap((label, i) => [
    { configId: `c${i + 1}`, label, metric: "produceThroughputMsgsPerSec", description: "produce throughput", unit: "msg/s", mean: 30_000 + 2_500 * i, std: 4_000 } as SummaryRow,
    { configId: `c${i + 1}`, label, metric: "produceLoopMs", description: "producer loop", unit: "ms", mean: 250 + 10 * i, std: 30, cold: 500 + 12 * i } as SummaryRow,
    { configId: `c${i + 1}`, label, metric: "e2eLatencyP99Ms", description: "end-to-end latency p99", unit: "ms", mean: 20 + 3 * i, std: 6 } as SummaryRow,
  ]);
}

function repRows(n: number, names = labels07): RepRow[] {
  return names.slice(0, n).flatMap((label, i) => [1, 2, 3, 4].map((rep) => ({ configId: `c${i + 1}`, label, rep, kind: "measured", cold: rep === 1, state: "completed", consumeThroughputMsgsPerSec: 12_000 + 900 * i + 300 * rep }) as unknown as RepRow));
}

const lines = (n: number) => labels07.slice(0, n).map((name, i) => ({ name, seconds: [0, 0.25, 0.5, 0.75, 1], values: [0, 900 * (i + 1), 400 * (i + 1), 100, 0] }));

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Geometry {
  container: Box;
  plot: Box;
  legend: Box | null;
  title: Box | null;
  xtitle: Box | null;
  ytitle: Box | null;
  xticks: Box[];
  yticks: Box[];
  /** Plotly gives a legend taller than its room a scroll bar: entries hidden until scrolled. */
  legendScrolls: boolean;
}

// Run in the page as source text: the test's own compiled functions carry helpers (esbuild's __name) the page lacks.
const GEOMETRY = `[...document.querySelectorAll(".plab-figure")].map((el) => {
  function box(e) {
    if (!e) return null;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
  }
  return {
    container: box(el.querySelector(".main-svg")),
    plot: box(el.querySelector(".nsewdrag")),
    legend: box(el.querySelector(".legend .scrollbox")) || box(el.querySelector(".legend")),
    title: box(el.querySelector(".g-gtitle text")),
    xtitle: box(el.querySelector(".g-xtitle text")),
    ytitle: box(el.querySelector(".g-ytitle text")),
    xticks: [...el.querySelectorAll(".xtick text")].map(box).filter((b) => b !== null),
    yticks: [...el.querySelectorAll(".ytick text")].map(box).filter((b) => b !== null),
    legendScrolls: box(el.querySelector(".legend .scrollbar")) !== null,
  };
})`;

const FIGURES = {
  "trade-off": tradeoffFigure(summaryRows(24), { x: "produceThroughputMsgsPerSec", y: "e2eLatencyP99Ms" }),
  boxes: repetitionsFigure(repRows(9), "consumeThroughputMsgsPerSec", { title: "Consume throughput per repetition", unit: "msg/s" }),
  lag: lagFigure(lines(9)),
  "cold vs warm": coldWarmFigure(summaryRows(24), "produceLoopMs"),
  "3 long boxes": repetitionsFigure(repRows(3, labels), "consumeThroughputMsgsPerSec", { unit: "msg/s" }),
  "two lines": throughputFigure(lines(2)),
} satisfies Record<string, Figure>;
type Name = keyof typeof FIGURES;

const pages = new Map<number, Promise<Record<Name, Geometry>>>();

/**
 * Every figure drawn in one page `width` px wide (plotly.js is loaded once per page: ~5 MB to parse), and the
 * boxes of each one's parts, from the SVG plotly drew.
 */
function drawn(width: number): Promise<Record<Name, Geometry>> {
  let p = pages.get(width);
  if (!p) {
    p = (async () => {
      browser ??= await launchBrowser();
      const names = Object.keys(FIGURES) as Name[];
      const file = path.join(tempDir("perflab-fig-"), "figures.html");
      fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8">${plotlyScriptTag()}</head><body style="margin:0;width:${width}px">${names.map((n) => figureHtml(FIGURES[n])).join("\n")}</body></html>`);
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(`file://${file}`);
        await page.waitForFunction((n) => document.querySelectorAll(".plab-figure .main-svg .nsewdrag").length >= n, names.length, { timeout: 60_000 });
        const boxes = (await page.evaluate(GEOMETRY)) as Geometry[];
        return Object.fromEntries(names.map((n, i) => [n, boxes[i]!])) as Record<Name, Geometry>;
      } finally {
        await page.close();
      }
    })();
    pages.set(width, p);
  }
  return p;
}

const overlap = (a: Box | null, b: Box | null) => !!a && !!b && a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;
const inside = (a: Box, c: Box) => a.x >= c.x - 1 && a.y >= c.y - 1 && a.x + a.width <= c.x + c.width + 1 && a.y + a.height <= c.y + c.height + 1;

function assertLegible(g: Geometry, what: string): void {
  assert.ok(g.plot.height >= 220, `${what}: the plot keeps its height (${Math.round(g.plot.height)} px)`);
  assert.ok(g.plot.width >= 0.45 * g.container.width, `${what}: the plot keeps its width (${Math.round(g.plot.width)} of ${Math.round(g.container.width)} px)`);
  assert.ok(g.legend, `${what}: a legend`);
  assert.equal(g.legendScrolls, false, `${what}: every legend entry in view, no scroll bar`);
  for (const [name, part] of [["plot", g.plot], ["title", g.title], ["x-axis title", g.xtitle], ["y-axis title", g.ytitle]] as const) assert.ok(!overlap(g.legend, part), `${what}: the legend clear of the ${name}`);
  assert.ok(!g.xticks.some((t) => overlap(g.legend, t)), `${what}: the legend clear of the tick labels`);
  assert.ok(!overlap(g.title, g.ytitle), `${what}: the title clear of the y-axis title`);
  assert.ok(inside(g.legend!, g.container), `${what}: the legend inside the figure (legend ${JSON.stringify(g.legend)}, figure ${JSON.stringify(g.container)})`);
  for (const t of [...g.xticks, ...g.yticks]) assert.ok(inside(t, g.container), `${what}: tick labels inside the figure`);
  for (const [i, t] of g.xticks.entries()) assert.ok(!g.xticks.slice(i + 1).some((u) => overlap(t, u)), `${what}: tick labels clear of each other`);
}

for (const width of [1150, 800]) {
  test(`${width} px: 24 configurations against each other (notebook 06): legible, one marker per configuration`, { timeout: 120_000 }, async () => {
    assertLegible((await drawn(width))["trade-off"], "trade-off");
    const looks = FIGURES["trade-off"].data.map((d) => `${(d.marker as { color: string }).color}/${(d.marker as { symbol?: string }).symbol ?? "circle"}`);
    assert.equal(new Set(looks).size, 24, "no two configurations look alike");
  });

  test(`${width} px: 9 configurations as boxes, 9 lag lines (notebook 07): legible, tick labels whole`, { timeout: 120_000 }, async () => {
    assertLegible((await drawn(width)).boxes, "boxes");
    assertLegible((await drawn(width)).lag, "lag");
  });

  test(`${width} px: cold vs warm of 24 configurations, and 3 boxes with long names: legible, names whole`, { timeout: 120_000 }, async () => {
    assertLegible((await drawn(width))["cold vs warm"], "cold vs warm");
    assertLegible((await drawn(width))["3 long boxes"], "3 long boxes");
  });

  test(`${width} px: two lines keep the legend below the plot`, { timeout: 120_000 }, async () => {
    const g = (await drawn(width))["two lines"];
    assertLegible(g, "two lines");
    assert.ok(g.legend!.y >= g.plot.y + g.plot.height, "the legend below the plot");
  });
}
