import fs from "node:fs";
import path from "node:path";
import { InputError } from "../errors";
import { parseCsv, type Manifest } from "../experiment/store";
import type { LatencyName, RepRow, SummaryRow } from "../experiment/aggregate";
import { decodeHistogram, histogramDistribution, summarizeHistogram, type HistogramSummary } from "../metrics/histogram";
import type { SeriesLine, FaultMarker, Distribution } from "../viz/figures";

/** Everything a run directory holds, as plain data (the DataFrame view is in frames.ts). */
export interface RunData {
  runDir: string;
  manifest: Manifest;
  repetitions: RepRow[];
  summary: SummaryRow[];
  accounting: Array<Record<string, unknown>>;
  /** configId → histogram name → encoded merged histogram of the warm repetitions. */
  histograms: Record<string, Record<LatencyName, string>>;
  /** One row per role and second (timeseries.csv). */
  timeseries: Array<Record<string, string | number | boolean | null>>;
}

function readJsonFile<T>(runDir: string, name: string, required: boolean): T | null {
  const file = path.join(runDir, name);
  if (!fs.existsSync(file)) {
    if (required) throw new InputError("RUN_DIR_INVALID", `${runDir} is not a run directory: ${name} is missing`, { field: file });
    return null;
  }
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new InputError("RUN_DIR_CORRUPT", `${file} is corrupt (${(err as Error).message.split("\n")[0]})`, { field: file });
  }
}

/** Load a run directory. A missing or corrupt file is one InputError naming it. */
export function loadRun(runDir: string): RunData {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError("RUN_DIR_INVALID", `run directory ${runDir} not found`, { field: runDir });
  const manifest = readJsonFile<Manifest>(dir, "manifest.json", true)!;
  if (!manifest.runId || !Array.isArray(manifest.repetitions)) throw new InputError("RUN_DIR_CORRUPT", `${path.join(dir, "manifest.json")} is not a kafka-perf-lab manifest`, { field: "manifest.json" });
  const ts = path.join(dir, "timeseries.csv");
  return {
    runDir: dir,
    manifest,
    repetitions: readJsonFile<RepRow[]>(dir, "repetitions.json", false) ?? [],
    summary: readJsonFile<SummaryRow[]>(dir, "summary.json", false) ?? [],
    accounting: readJsonFile<Array<Record<string, unknown>>>(dir, "accounting.json", false) ?? [],
    histograms: readJsonFile<RunData["histograms"]>(dir, "histograms.json", false) ?? {},
    timeseries: fs.existsSync(ts) ? parseCsv(fs.readFileSync(ts, "utf8")) : [],
  };
}

export function configLabel(run: RunData, configId: string): string {
  return run.manifest.configurations.find((c) => c.id === configId)?.label ?? configId;
}

/** Pooled (warm) latency of a configuration: summary in µs and the distribution for plots. */
export function latencyOf(run: RunData, configId: string, name: LatencyName): { summary: HistogramSummary; distribution: Distribution } | null {
  const enc = run.histograms[configId]?.[name];
  if (!enc) return null;
  const h = decodeHistogram(enc);
  if (h.totalCount === 0) return null;
  return { summary: summarizeHistogram(h), distribution: { name: configLabel(run, configId), points: histogramDistribution(h) } };
}

/**
 * A series summed over the roles of one kind in one repetition (e.g. "acked" of all producers, per second).
 * `rep` defaults to the configuration's first warm measured repetition.
 */
export function seriesOf(run: RunData, configId: string, column: string, opts: { rep?: number; kind?: "producer" | "consumer"; name?: string; aggregate?: "sum" | "max" } = {}): SeriesLine {
  const rep = opts.rep ?? defaultRep(run, configId);
  const rows = run.timeseries.filter((r) => r.configId === configId && r.rep === rep && (!opts.kind || r.kind === opts.kind));
  const bySecond = new Map<number, number | null>();
  for (const r of rows) {
    const s = Number(r.t);
    const v = r[column];
    if (v === null || v === undefined || v === "") {
      if (!bySecond.has(s)) bySecond.set(s, null);
      continue;
    }
    const prev = bySecond.get(s);
    const n = Number(v);
    bySecond.set(s, prev === null || prev === undefined ? n : opts.aggregate === "max" ? Math.max(prev, n) : prev + n);
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  return { name: opts.name ?? `${configLabel(run, configId)} · rep ${rep}`, seconds, values: seconds.map((s) => bySecond.get(s) ?? null) };
}

export function defaultRep(run: RunData, configId: string): number {
  const reps = run.repetitions.filter((r) => r.configId === configId);
  return (reps.find((r) => r.kind === "measured" && !r.cold && r.state === "completed") ?? reps.find((r) => r.kind === "measured") ?? reps[0])?.rep ?? 1;
}

/** Faults of a repetition as plot markers (actual times). */
export function faultMarkers(run: RunData, configId: string, rep?: number): FaultMarker[] {
  const r = rep ?? defaultRep(run, configId);
  const rec = run.manifest.repetitions.find((x) => x.configId === configId && x.rep === r);
  return (rec?.faults ?? []).map((f) => ({ atSec: f.actualAtMs / 1000, label: `${f.action} ${f.target}${f.ok ? "" : " (failed)"}` }));
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
  const raw = path.join(runDir, "raw");
  if (!fs.existsSync(raw)) return out;
  const push = (configId: string, rep: number, roleId: string, metric: string, values: number[]) => {
    for (const v of values) {
      out.configId.push(configId);
      out.rep.push(rep);
      out.roleId.push(roleId);
      out.metric.push(metric);
      out.valueUs.push(v);
    }
  };
  for (const configId of fs.readdirSync(raw)) {
    for (const repDir of fs.readdirSync(path.join(raw, configId)).filter((d) => d.startsWith("rep-"))) {
      const rep = Number(repDir.slice(4));
      for (const f of fs.readdirSync(path.join(raw, configId, repDir)).filter((x) => x.endsWith(".json"))) {
        const r = JSON.parse(fs.readFileSync(path.join(raw, configId, repDir, f), "utf8")) as { roleId: string; producers?: Array<{ raw: { sendLatencyUs: number[] } | null }>; consumers?: Array<{ raw: { e2eLatencyUs: number[] } | null }> };
        for (const p of r.producers ?? []) if (p.raw) push(configId, rep, r.roleId, "sendLatencyUs", p.raw.sendLatencyUs);
        for (const c of r.consumers ?? []) if (c.raw) push(configId, rep, r.roleId, "e2eLatencyUs", c.raw.e2eLatencyUs);
      }
    }
  }
  return out;
}
