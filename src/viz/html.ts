import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../paths";
import type { Figure } from "./figures";

let bundle: string | null = null;

/**
 * plotly.js-dist's bundle, minified at build time (dist/assets/plotly.min.js, ~4.9 MB instead of 11 MB).
 * Falls back to the unminified bundle when the lab runs from src/ without a build.
 */
export function plotlyBundle(): string {
  if (bundle) return bundle;
  const built = path.join(packageRoot, "dist", "assets", "plotly.min.js");
  bundle = fs.existsSync(built) ? fs.readFileSync(built, "utf8") : fs.readFileSync(require.resolve("plotly.js-dist/plotly.js"), "utf8");
  return bundle;
}

/**
 * The plotly bundle as an inline <script>. Jupyter pages load RequireJS, and plotly's UMD wrapper would then
 * register itself as an AMD module instead of setting window.Plotly — so `define` is set aside while it runs.
 */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript">(function(){var d=window.define;window.define=undefined;try{\n${plotlyBundle().replace(/<\/script/gi, "<\\/script")}\n}finally{window.define=d;}})();</script>`;
}

let counter = 0;

/** A div and the script that draws the figure into it (plotly must already be on the page). */
export function figureHtml(fig: Figure, opts: { id?: string; height?: number } = {}): string {
  const id = opts.id ?? `plab-fig-${Date.now().toString(36)}-${counter++}`;
  const h = opts.height ?? (fig.layout.height as number | undefined) ?? 420;
  const json = JSON.stringify({ data: fig.data, layout: { ...fig.layout, height: h } }).replace(/</g, "\\u003c");
  return `<div id="${id}" class="plab-figure" style="width:100%;height:${h}px"></div>
<script type="text/javascript">(function(){var f=${json};function draw(){if(window.Plotly){window.Plotly.newPlot("${id}",f.data,f.layout,{responsive:true,displaylogo:false});}else{setTimeout(draw,50);}}draw();})();</script>`;
}
