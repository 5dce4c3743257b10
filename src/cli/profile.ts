import fs from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { workspaceRoot } from "../paths";
import { diffTables, functionTable, readCpuProfile, runFunctionTable, topFunctions, type Category, type FunctionTable, type RankBy } from "../profiling";
import { mapPositionsFromFiles } from "../profiling/sourcemap";
import { formatDiffRows, formatFunctionRows, formatTableHeader } from "../profiling/format";
import type { CallCounts } from "../profiling/table";

const CATEGORIES: Category[] = ["user", "dependency", "node", "v8", "gc", "program"];

function rankBy(v: string): RankBy {
  if (v !== "self" && v !== "total" && v !== "calls") throw new InvalidArgumentError(`must be self, total or calls (got "${v}")`);
  return v;
}

function categories(v: string): Category[] {
  const cs = v.split(",").map((s) => s.trim()) as Category[];
  const bad = cs.filter((c) => !CATEGORIES.includes(c));
  if (bad.length) throw new InvalidArgumentError(`unknown category ${bad.join(", ")} (known: ${CATEGORIES.join(", ")})`);
  return cs;
}

function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`must be a positive whole number (got "${v}")`);
  return Number(v);
}

/** A run directory (with --config/--role) or a .cpuprofile file (with optional --calls). */
function loadTable(target: string, opts: { role?: string; config?: string; calls?: string }): FunctionTable & { title: string } {
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    const t = runFunctionTable(target, { role: opts.role, configId: opts.config });
    return { ...t, title: `Function table of ${t.roleId} (${t.configId})` };
  }
  const profile = readCpuProfile(target);
  const calls = opts.calls ? (JSON.parse(fs.readFileSync(opts.calls, "utf8")) as CallCounts) : null;
  const t = functionTable(profile, { calls, positions: mapPositionsFromFiles(profile.nodes.map((n) => n.callFrame)), root: workspaceRoot() });
  return { ...t, title: `Function table of ${target}` };
}

export function profileCommand(): Command {
  const cmd = new Command("profile").description("pstats-like function tables of CPU profiles (a run directory or a .cpuprofile)");
  cmd
    .command("table", { isDefault: true })
    .description("top functions by self time, total time or calls")
    .argument("<target>", "run directory (reports/<runId>) or .cpuprofile file")
    .option("--role <role>", "role of a run: producer, consumer, or an id like consumer-0")
    .option("--config <id>", "configuration of a run (c1, c2, …)")
    .option("--calls <file>", "call counts (.calls.json) for a .cpuprofile file")
    .option("--by <key>", "self, total or calls", rankBy, "self" as RankBy)
    .option("--top <n>", "rows", positiveInt, 20)
    .option("--only <categories>", `categories: ${CATEGORIES.join(",")}`, categories)
    .option("--json", "print JSON rows")
    .action((target: string, opts: { role?: string; config?: string; calls?: string; by: RankBy; top: number; only?: Category[]; json?: boolean }) => {
      const t = loadTable(target, opts);
      const rows = topFunctions(t, opts.by, opts.top, opts.only);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ busyMs: t.busyMs, idleMs: t.idleMs, callsNote: t.callsNote, rows }, null, 2) + "\n");
        return;
      }
      process.stdout.write(`${formatTableHeader(t, t.title, opts.by)}\n\n${formatFunctionRows(rows)}\n`);
    });
  cmd
    .command("diff")
    .description("differential profile: per-function change from <before> to <after>, by impact")
    .argument("<before>", "run directory or .cpuprofile")
    .argument("<after>", "run directory or .cpuprofile")
    .option("--role <role>", "role of the runs")
    .option("--before-config <id>", "configuration of <before>")
    .option("--after-config <id>", "configuration of <after>")
    .option("--top <n>", "rows", positiveInt, 20)
    .action((before: string, after: string, opts: { role?: string; beforeConfig?: string; afterConfig?: string; top: number }) => {
      const a = loadTable(before, { role: opts.role, config: opts.beforeConfig });
      const b = loadTable(after, { role: opts.role, config: opts.afterConfig });
      const d = diffTables(a, b);
      process.stdout.write(`Differential profile — busy ${a.busyMs.toFixed(1)} ms → ${b.busyMs.toFixed(1)} ms\n  before: ${a.title}\n  after:  ${b.title}\n\n${formatDiffRows(d.rows.slice(0, opts.top))}\n`);
    });
  return cmd;
}
