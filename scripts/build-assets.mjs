// Build-time assets for reports and notebooks: a minified copy of plotly.js-dist's bundle.
// plotly.js-dist ships an 11 MB unminified bundle; every standalone report and every executed notebook
// embeds plotly inline (nbconvert drops the plotly MIME type), so we minify it once here with esbuild.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const out = path.join(root, "dist", "assets");
fs.mkdirSync(out, { recursive: true });

const plotlySrc = require.resolve("plotly.js-dist/plotly.js");
const plotlyVersion = require("plotly.js-dist/package.json").version;
const t0 = performance.now();
await build({
  entryPoints: [plotlySrc],
  outfile: path.join(out, "plotly.min.js"),
  minify: true,
  bundle: false,
  legalComments: "none",
  target: "es2018",
  logLevel: "error",
});
const inBytes = fs.statSync(plotlySrc).size;
const outBytes = fs.statSync(path.join(out, "plotly.min.js")).size;
fs.writeFileSync(path.join(out, "plotly.json"), JSON.stringify({ version: plotlyVersion, file: "plotly.min.js", bytes: outBytes }) + "\n");
console.log(`plotly.js-dist ${plotlyVersion}: ${(inBytes / 1e6).toFixed(1)} MB → ${(outBytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// The same bundle where `npm run lab` serves it from the Jupyter server (ServerApp.extra_static_paths):
// notebook figures load it from there once per page, so no notebook output carries it.
const jupyterStatic = path.join(root, "dist", "jupyter-static", "kafka-perf-lab");
fs.mkdirSync(jupyterStatic, { recursive: true });
fs.copyFileSync(path.join(out, "plotly.min.js"), path.join(jupyterStatic, "plotly.min.js"));
