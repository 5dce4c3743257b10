import path from "node:path";
import { errorMessage } from "../errors";
import { configLabel } from "../analysis/series";
import type { RunData } from "../results/load";
import { runAllocationTable, runCallTree, runFunctionTable, runProfiles, type RoleProfiles } from "../profiling/run-profiles";
import { timeByCategory, topFunctions } from "../profiling/table";
import { stallNote } from "../profiling/format";
import * as fig from "../viz/figures";
import { figureHtml } from "../viz/html";
import { MiB } from "../util/format";
import { escapeHtml } from "./escape";
import { functionTableHtml, section } from "./sections";
import { fmtNumber, htmlTable } from "./tables";

const INTRO = `<p class="muted">Profiles cover each role's measured window in repetitions of their own, so the timed repetitions above are not slowed by them. Self time weights every sample by its duration; total time counts a function once per stack (recursion-safe); calls are exact invocations (V8 precise coverage in fresh processes, with the optimizing compiler off). Locations are mapped back to TypeScript through source maps; the lab's own instrumentation is a category of its own ("lab"), never your code.</p>`;

function costTable(run: RunData): string {
  const cost = run.manifest.collectorCost;
  if (!cost.length) return "";
  const ratio = (x: number | null) => (typeof x === "number" ? `${(x * 100).toFixed(0)}%` : "–");
  return htmlTable(cost, [
    { key: "configId", label: "configuration", format: (c) => configLabel(run, c.configId) },
    { key: "collector", label: "collector" },
    { key: "produceRatio", label: "produce throughput vs warm", format: (c) => ratio(c.produceRatio) },
    { key: "consumeRatio", label: "consume throughput vs warm", format: (c) => ratio(c.consumeRatio) },
  ], { caption: "What each collector cost (throughput of its repetition ÷ the warm mean)" });
}

function cpuParts(run: RunData, p: RoleProfiles, label: string): string[] {
  const t = runFunctionTable(run.runDir, { configId: p.configId, role: p.roleId });
  const parts = [`<p class="muted">${fmtNumber(t.busyMs, 1)} ms busy, ${fmtNumber(t.idleMs, 1)} ms idle, GC ${fmtNumber(t.gcMs, 1)} ms · ${t.samples} samples</p>`];
  if (t.stalls > 0) parts.push(`<p class="muted">${escapeHtml(stallNote(t))}</p>`);
  parts.push(htmlTable(timeByCategory(t).slice(0, 8), [
    { key: "group", label: "where the time goes" },
    { key: "selfMs", label: "self (ms)" },
    { key: "selfPct", label: "% of busy" },
  ]));
  parts.push(`<div class="grid"><div>${functionTableHtml(topFunctions(t, "self", 10), "Top 10 by self time")}</div><div>${functionTableHtml(topFunctions(t, "total", 10, ["user", "dependency"]), "Top 10 by total time (your code and packages)")}</div></div>`);
  if (t.callsNote) parts.push(functionTableHtml(topFunctions(t, "calls", 10), "Top 10 by calls"));
  parts.push(figureHtml(fig.icicleFigure(runCallTree(run.runDir, { configId: p.configId, role: p.roleId }), { title: `Call tree — ${label}` })));
  return parts;
}

function roleParts(run: RunData, p: RoleProfiles): string[] {
  const label = `${p.roleId} · ${configLabel(run, p.configId)}`;
  const rel = (file: string) => path.relative(run.runDir, file).split(path.sep).join("/");
  const parts = [`<h3>${escapeHtml(label)}</h3>`];
  const links = [
    p.flamegraph ? `<a href="${rel(p.flamegraph)}">flamegraph (0x)</a>` : null,
    p.cpuprofile ? `<a href="${rel(p.cpuprofile)}">${escapeHtml(path.basename(p.cpuprofile))}</a> (Chrome DevTools, speedscope)` : null,
    p.heapprofile ? `<a href="${rel(p.heapprofile)}">${escapeHtml(path.basename(p.heapprofile))}</a>` : null,
  ].filter(Boolean);
  if (links.length) parts.push(`<p>${links.join(" · ")}</p>`);
  for (const e of p.errors) parts.push(`<div class="warn">${escapeHtml(e)}</div>`);
  const attempt = (fn: () => string[]) => {
    try {
      parts.push(...fn());
    } catch (err) {
      parts.push(`<div class="warn">${escapeHtml(errorMessage(err))}</div>`);
    }
  };
  if (p.cpuprofile) attempt(() => cpuParts(run, p, label));
  if (p.heapprofile) {
    attempt(() => {
      const a = runAllocationTable(run.runDir, { configId: p.configId, role: p.roleId });
      return [figureHtml(fig.allocationFigure(a.rows.slice(0, 10), { title: `Top allocation sites — ${label} (${fmtNumber(a.totalBytes / MiB, 1)} MiB sampled)` }))];
    });
  }
  return parts;
}

/** The profiles of a run: collector cost, per role the function tables, call tree, allocation sites and links. */
export function profilingSection(run: RunData): string {
  const profiles = runProfiles(run.runDir);
  if (profiles.length === 0) return "";
  return section("Profiles", [INTRO, costTable(run), ...profiles.flatMap((p) => roleParts(run, p))].join("\n"), "profiles");
}
