import fs from "node:fs";
import path from "node:path";
import { InputError } from "../errors";
import { parseCsv } from "./csv";
import { RUN_FILES, RunLayout, type RunFileName } from "./files";
import type { Manifest } from "./model";
import type { RoleRepResult } from "./role-result";
import type { LatencyName, RepRow, SummaryRow } from "./rows";

/** Everything a run directory holds, as plain data (DataFrame views are in analysis/frames.ts). */
export interface RunData {
  runDir: string;
  manifest: Manifest;
  repetitions: RepRow[];
  summary: SummaryRow[];
  accounting: Array<Record<string, unknown>>;
  /** configId → histogram name → encoded merged histogram of the warm repetitions. */
  histograms: Record<string, Record<LatencyName, string>>;
  /** One row per role and time bucket (timeseries.csv). */
  timeseries: Array<Record<string, string | number | boolean | null>>;
}

function readJsonFile<T>(layout: RunLayout, name: RunFileName, required: boolean): T | null {
  const file = layout.file(name);
  if (!fs.existsSync(file)) {
    if (required) throw new InputError("RUN_DIR_INVALID", `${layout.runDir} is not a run directory: ${name} is missing`, { field: file });
    return null;
  }
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new InputError("RUN_DIR_CORRUPT", `${file} is corrupt (${(err as Error).message.split("\n")[0]})`, { field: file });
  }
}

function checkDir(runDir: string): RunLayout {
  const layout = new RunLayout(runDir);
  if (!fs.existsSync(layout.runDir) || !fs.statSync(layout.runDir).isDirectory()) throw new InputError("RUN_DIR_INVALID", `run directory ${runDir} not found`, { field: runDir });
  return layout;
}

/** The manifest of a run directory. A missing or corrupt one is one InputError naming it. */
export function readManifest(runDir: string): Manifest {
  const layout = checkDir(runDir);
  const manifest = readJsonFile<Manifest>(layout, RUN_FILES.manifest, true)!;
  if (!manifest.runId || !Array.isArray(manifest.repetitions)) throw new InputError("RUN_DIR_CORRUPT", `${layout.file(RUN_FILES.manifest)} is not a kafka-perf-lab manifest`, { field: RUN_FILES.manifest });
  return manifest;
}

/** True when `dir` holds a run (a manifest.json), without reading it. */
export function isRunDir(dir: string): boolean {
  return fs.existsSync(new RunLayout(dir).file(RUN_FILES.manifest));
}

/** Load a run directory. A missing or corrupt file is one InputError naming it. */
export function loadRun(runDir: string): RunData {
  const layout = checkDir(runDir);
  const manifest = readManifest(runDir);
  const ts = layout.file(RUN_FILES.timeseries);
  return {
    runDir: layout.runDir,
    manifest,
    repetitions: readJsonFile<RepRow[]>(layout, RUN_FILES.repetitionsJson, false) ?? [],
    summary: readJsonFile<SummaryRow[]>(layout, RUN_FILES.summaryJson, false) ?? [],
    accounting: readJsonFile<Array<Record<string, unknown>>>(layout, RUN_FILES.accountingJson, false) ?? [],
    histograms: readJsonFile<RunData["histograms"]>(layout, RUN_FILES.histograms, false) ?? {},
    timeseries: fs.existsSync(ts) ? parseCsv(fs.readFileSync(ts, "utf8")) : [],
  };
}

/** The role results of a run, one per role and repetition, in configuration and repetition order. */
export function readRoleResults(runDir: string): RoleRepResult[] {
  const raw = new RunLayout(runDir).rawDir;
  if (!fs.existsSync(raw)) return [];
  const out: RoleRepResult[] = [];
  for (const configId of fs.readdirSync(raw).sort()) {
    const reps = fs.readdirSync(path.join(raw, configId)).filter((d) => d.startsWith("rep-")).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    for (const repDir of reps) {
      for (const f of fs.readdirSync(path.join(raw, configId, repDir)).filter((x) => x.endsWith(".json")).sort()) {
        out.push(JSON.parse(fs.readFileSync(path.join(raw, configId, repDir, f), "utf8")) as RoleRepResult);
      }
    }
  }
  return out;
}

/** A binary attachment of a role's result (e.g. its offset records); null when the role wrote none. */
export function readAttachment(runDir: string, configId: string, rep: number, roleId: string, name: string): Buffer | null {
  const file = new RunLayout(runDir).attachment(configId, rep, roleId, name);
  return fs.existsSync(file) ? fs.readFileSync(file) : null;
}

export interface LatencySampleColumns {
  configId: string[];
  rep: number[];
  roleId: string[];
  metric: string[];
  valueUs: number[];
}

/**
 * Raw latency samples (µs) of a run recorded with `record.rawSamples: true`, read from the role result
 * files as columns (one entry per sample: configuration, repetition, role, metric, value).
 */
export function latencySampleColumns(runDir: string): LatencySampleColumns {
  const out: LatencySampleColumns = { configId: [], rep: [], roleId: [], metric: [], valueUs: [] };
  const push = (configId: string, rep: number, roleId: string, metric: string, values: number[]) => {
    for (const v of values) {
      out.configId.push(configId);
      out.rep.push(rep);
      out.roleId.push(roleId);
      out.metric.push(metric);
      out.valueUs.push(v);
    }
  };
  for (const r of readRoleResults(runDir)) {
    for (const p of r.producers) if (p.raw) push(r.configId, r.rep, r.roleId, "sendLatencyUs", p.raw.sendLatencyUs);
    for (const c of r.consumers) if (c.raw) push(r.configId, r.rep, r.roleId, "e2eLatencyUs", c.raw.e2eLatencyUs);
  }
  return out;
}

/** Percentiles (µs) of the pooled latency histograms per configuration (latency.json); {} before any warm repetition. */
export function readLatencySummary(runDir: string): Record<string, Record<string, import("../metrics/histogram").HistogramSummary>> {
  const file = new RunLayout(runDir).file(RUN_FILES.latency);
  if (!fs.existsSync(file)) return {};
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { configurations?: Record<string, Record<string, import("../metrics/histogram").HistogramSummary>> }).configurations ?? {};
  } catch (err) {
    throw new InputError("RUN_DIR_CORRUPT", `${file} is corrupt (${(err as Error).message.split("\n")[0]})`, { field: file });
  }
}

/** Which of the run directory's top-level files exist (for links in a report). */
export function existingRunFiles(runDir: string): RunFileName[] {
  const layout = new RunLayout(runDir);
  return (Object.values(RUN_FILES) as RunFileName[]).filter((f) => fs.existsSync(layout.file(f)));
}

/** The run directories under a reports folder, newest first, each with its manifest (null when unreadable). */
export function listRuns(reportsDir: string): Array<{ id: string; runDir: string; manifest: Manifest | null; hasReport: boolean }> {
  let ids: string[];
  try {
    ids = fs.readdirSync(reportsDir).filter((d) => isRunDir(path.join(reportsDir, d)));
  } catch {
    return []; // no reports/ yet
  }
  return ids
    .sort((a, b) => b.localeCompare(a))
    .map((id) => {
      const runDir = path.join(reportsDir, id);
      let manifest: Manifest | null;
      try {
        manifest = readManifest(runDir);
      } catch {
        manifest = null; // listed as unreadable
      }
      return { id, runDir, manifest, hasReport: fs.existsSync(new RunLayout(runDir).file(RUN_FILES.report)) };
    });
}
