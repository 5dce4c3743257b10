import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../paths";
import type { Figure } from "./figures";
import { FIGURE_HEIGHT } from "./style";

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
  const h = opts.height ?? (fig.layout.height as number | undefined) ?? FIGURE_HEIGHT;
  const json = JSON.stringify({ data: fig.data, layout: { ...fig.layout, height: h } }).replace(/</g, "\\u003c");
  return `<div id="${id}" class="plab-figure" style="width:100%;height:${h}px"></div>
<script type="text/javascript">(function(){var f=${json};function draw(){if(window.Plotly){window.Plotly.newPlot("${id}",f.data,f.layout,{responsive:true,displaylogo:false});}else{setTimeout(draw,50);}}draw();})();</script>`;
}

/** Where `npm run lab` serves plotly.js on the Jupyter server (ServerApp.extra_static_paths → static/). */
export const JUPYTER_PLOTLY_PATH = "static/kafka-perf-lab/plotly.min.js";

/**
 * A figure as HTML for JupyterLab: a div that says why it is empty until drawn (an untrusted notebook runs
 * no scripts), and a script that loads plotly.js from the Jupyter server once per page — `define` set aside,
 * as in plotlyScriptTag — and draws. Nothing depends on an earlier output: it draws after a reload too.
 */
export function notebookFigureHtml(fig: Figure, opts: { height?: number } = {}): string {
  const id = `plab-fig-${Date.now().toString(36)}-${counter++}`;
  const h = opts.height ?? (fig.layout.height as number | undefined) ?? FIGURE_HEIGHT;
  const json = JSON.stringify({ data: fig.data, layout: { ...fig.layout, height: h } }).replace(/</g, "\\u003c");
  const note = "Figure not drawn: this notebook is not trusted, so its scripts do not run. Rerun the cell, or File ▸ Trust Notebook.";
  return `<div id="${id}" class="plab-figure" style="width:100%;min-height:${h}px"><div class="plab-note" style="padding:1rem;color:#b54708;font:13px system-ui,sans-serif">${note}</div></div>
<script type="text/javascript">(function(){var f=${json},el=document.getElementById("${id}");if(!el)return;
function draw(){el.innerHTML="";window.Plotly.newPlot(el,f.data,f.layout,{responsive:true,displaylogo:false});}
function fail(){el.firstChild.textContent="Figure not drawn: plotly.js could not be loaded from this Jupyter server (start JupyterLab with npm run lab).";}
if(window.Plotly){draw();return;}
el.firstChild.textContent="Loading plotly.js …";
if(!window.__plabPlotly){window.__plabPlotly=new Promise(function(ok,ko){var base="/";try{base=JSON.parse(document.getElementById("jupyter-config-data").textContent).baseUrl||"/";}catch(e){}
var s=document.createElement("script"),d=window.define;s.src=base.replace(/\\/?$/,"/")+"${JUPYTER_PLOTLY_PATH}";window.define=undefined;
s.onload=function(){window.define=d;window.Plotly?ok():ko();};s.onerror=function(){window.define=d;window.__plabPlotly=null;ko();};document.head.appendChild(s);});}
window.__plabPlotly.then(draw,fail);})();</script>`;
}
