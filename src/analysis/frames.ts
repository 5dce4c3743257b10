/**
 * DataFrame views (danfojs) of a run, for exploring in notebooks. danfojs stays behind this module: its
 * maintenance is uncertain, so the lab computes with its own tested statistics and only hands frames out.
 * Loaded lazily (it pulls in TensorFlow.js, ~1 s), so code that never asks for a frame never pays for it.
 */
import type { DataFrame } from "danfojs-node";
import { latencySampleColumns, loadRun, type LatencySampleColumns, type RunData } from "../results/load";
import type { FunctionRow } from "../profiling/table";

type Danfo = typeof import("danfojs-node");
let danfo: Danfo | null = null;

export function danfojs(): Danfo {
  // tfjs prints a banner suggesting tfjs-node (which we alias away, see README): keep it quiet.
  if (!danfo) {
    const warn = console.warn;
    const log = console.log;
    console.warn = console.log = () => undefined;
    try {
      danfo = require("danfojs-node") as Danfo;
    } finally {
      console.warn = warn;
      console.log = log;
    }
  }
  return danfo;
}

/** Rows of plain objects → a DataFrame (columns in first-seen order; nested values as JSON text). */
export function toDataFrame(rows: Array<Record<string, unknown>>): DataFrame {
  const d = danfojs();
  if (rows.length === 0) return new d.DataFrame([]); // danfojs cannot build a frame from zero columns
  const seen = new Set<string>();
  for (const r of rows) for (const k in r) seen.add(k);
  const data: Record<string, unknown[]> = {};
  for (const c of seen) {
    const col = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![c];
      col[i] = v === undefined ? null : v !== null && typeof v === "object" ? JSON.stringify(v) : v;
    }
    data[c] = col;
  }
  return columnsToDataFrame(data);
}

/** Columns (name → values) → a DataFrame, in danfojs's low-memory mode (one copy of the data, not two). */
export function columnsToDataFrame(columns: Record<string, unknown[]>): DataFrame {
  return new (danfojs().DataFrame)(columns, { config: { lowMemoryMode: true } });
}

/** Raw latency samples of a run (record.rawSamples) as a DataFrame: configId, rep, roleId, metric, valueUs. */
export function latencySamplesFrame(runDirOrColumns: string | LatencySampleColumns): DataFrame {
  const cols = typeof runDirOrColumns === "string" ? latencySampleColumns(runDirOrColumns) : runDirOrColumns;
  if (cols.valueUs.length === 0) return new (danfojs().DataFrame)([]);
  return columnsToDataFrame(cols as unknown as Record<string, unknown[]>);
}

export interface RunFrames {
  summary: DataFrame;
  repetitions: DataFrame;
  accounting: DataFrame;
  timeseries: DataFrame;
  run: RunData;
}

/** A run directory as DataFrames: summary (per configuration and metric), repetitions, accounting, time series. */
export function runFrames(runDirOrData: string | RunData): RunFrames {
  const run = typeof runDirOrData === "string" ? loadRun(runDirOrData) : runDirOrData;
  return {
    summary: toDataFrame(run.summary as unknown as Array<Record<string, unknown>>),
    repetitions: toDataFrame(run.repetitions as unknown as Array<Record<string, unknown>>),
    accounting: toDataFrame(run.accounting),
    timeseries: toDataFrame(run.timeseries),
    run,
  };
}

/** A function table as a DataFrame (hot lines dropped). */
export function functionFrame(rows: FunctionRow[]): DataFrame {
  return toDataFrame(rows.map(({ hotLines: _h, url: _u, ...r }) => r));
}
