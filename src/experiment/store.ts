import fs from "node:fs";
import path from "node:path";
import Papa from "papaparse";
import { writeFileAtomic, writeJsonAtomic } from "../paths";
import { summarizePooled, summarize, type LatencyName, type RepRow, type SummaryRow } from "./aggregate";
import type { HistogramSummary } from "../metrics";

export type RunState = "running" | "completed" | "errored" | "interrupted";

export interface RepRecord {
  configId: string;
  rep: number;
  kind: string;
  state: RepRow["state"];
  error: string | null;
  topic: string;
  startedAt: string;
  durationMs: number;
  faults: Array<{ at: number; action: string; target: string; actualAtMs: number; ok: boolean; error?: string }>;
}

export interface Manifest {
  version: 1;
  runId: string;
  name: string;
  description: string | null;
  state: RunState;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
  specFile: string | null;
  sets: string[];
  quick: boolean;
  spec: unknown;
  configurations: Array<{ id: string; label: string; params: Record<string, unknown> }>;
  kafka: Record<string, unknown>;
  environment: Record<string, unknown>;
  warnings: string[];
  repetitions: RepRecord[];
  profiles: Array<{ configId: string; rep: number; kind: string; roleId: string; files: Record<string, string>; errors: string[] }>;
  collectorCost: Array<Record<string, unknown>>;
}

/**
 * The run directory `reports/<runId>/` and its files. Every write replaces a whole file atomically and
 * everything is rewritten after each repetition, so a crash or Ctrl-C keeps every completed repetition
 * and the manifest always parses. Exporters only serialize: the numbers come from `aggregate.ts`.
 */
export class ResultsStore {
  readonly runDir: string;
  readonly manifest: Manifest;
  private readonly rows: RepRow[] = [];
  private readonly accounting: Array<Record<string, unknown>> = [];
  private readonly pooled = new Map<string, Record<LatencyName, string>>();
  private seriesHeader: string[] | null = null;

  constructor(runDir: string, manifest: Manifest) {
    this.runDir = runDir;
    this.manifest = manifest;
    fs.mkdirSync(runDir, { recursive: true });
    this.writeManifest();
  }

  file(...parts: string[]): string {
    return path.join(this.runDir, ...parts);
  }

  writeManifest(): void {
    writeJsonAtomic(this.file("manifest.json"), this.manifest);
  }

  setState(state: RunState, error: string | null = null): void {
    this.manifest.state = state;
    this.manifest.error = error;
    if (state !== "running") this.manifest.endedAt = new Date().toISOString();
    this.writeManifest();
  }

  /** Record a finished (or failed) repetition and rewrite every derived file. */
  addRepetition(record: RepRecord, row: RepRow, series: Array<Record<string, string | number | null>>): void {
    this.manifest.repetitions.push(record);
    this.rows.push(row);
    const { configId, rep, kind, state, produced, acked, failed, consumed, duplicates, lost, unackedDelivered, untracked } = row;
    this.accounting.push({ configId, label: row.label, rep, kind, state, produced, acked, failed, consumed, duplicates, lost, unackedDelivered, untracked });
    this.appendSeries(series);
    this.writeAll();
  }

  /** Pooled latency histograms of a configuration's warm repetitions (encoded), rewritten as they grow. */
  setPooledHistograms(configId: string, pooled: Record<LatencyName, string>): void {
    this.pooled.set(configId, pooled);
    writeJsonAtomic(this.file("histograms.json"), Object.fromEntries(this.pooled));
    const latency: Record<string, Record<LatencyName, HistogramSummary>> = {};
    for (const [id, h] of this.pooled) latency[id] = summarizePooled(h);
    writeJsonAtomic(this.file("latency.json"), { unit: "µs", note: "percentiles of the merged histograms of all warm repetitions", configurations: latency });
  }

  get repRows(): RepRow[] {
    return this.rows;
  }

  summaries(): SummaryRow[] {
    return summarize(this.rows);
  }

  private writeAll(): void {
    writeJsonAtomic(this.file("repetitions.json"), this.rows);
    writeFileAtomic(this.file("repetitions.csv"), toCsv(this.rows as unknown as Array<Record<string, unknown>>));
    const summary = this.summaries();
    writeJsonAtomic(this.file("summary.json"), summary);
    writeFileAtomic(this.file("summary.csv"), toCsv(summary as unknown as Array<Record<string, unknown>>));
    writeJsonAtomic(this.file("accounting.json"), this.accounting);
    writeFileAtomic(this.file("accounting.csv"), toCsv(this.accounting));
    this.writeManifest();
  }

  private appendSeries(rows: Array<Record<string, string | number | null>>): void {
    if (rows.length === 0) return;
    const file = this.file("timeseries.csv");
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    if (!this.seriesHeader) {
      this.seriesHeader = ["configId", "rep", "roleId", "kind", "t", ...SERIES_COLUMNS];
    }
    const extra = keys.filter((k) => !this.seriesHeader!.includes(k));
    if (extra.length) {
      // A column appeared that the header lacks (e.g. a user metric): rewrite the file with the wider header.
      const old = fs.existsSync(file) ? parseCsv(fs.readFileSync(file, "utf8")) : [];
      this.seriesHeader.push(...extra);
      writeFileAtomic(file, toCsv(old, this.seriesHeader));
    }
    if (!fs.existsSync(file)) fs.writeFileSync(file, this.seriesHeader.join(",") + "\n");
    fs.appendFileSync(file, toCsv(rows, this.seriesHeader).split("\n").slice(1).join("\n"));
  }
}

const SERIES_COLUMNS = ["sent", "acked", "failed", "bytesSent", "batchSize", "consumed", "bytesConsumed", "duplicates", "processingErrors", "lag", "rssMB", "heapUsedMB", "eventLoopDelayMaxMs"];

/** CSV with a header row (papaparse); columns default to the union of keys in first-seen order. */
export function toCsv(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return Papa.unparse({ fields: cols, data: rows.map((r) => cols.map((c) => csvCell(r[c]))) }, { newline: "\n" }) + "\n";
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Parse a CSV with a header row; numeric cells become numbers, true/false booleans, empty cells null. */
export function parseCsv(text: string): Array<Record<string, string | number | boolean | null>> {
  // papaparse does the CSV grammar (quotes, escapes); typing and header mapping are done here because its
  // `header` + `dynamicTyping` path is ~3× slower than the parse itself (measured on a 100k-row time series).
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: true });
  const lines = parsed.data;
  const header = lines[0];
  if (!header) return [];
  const out = new Array<Record<string, string | number | boolean | null>>(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!;
    const row: Record<string, string | number | boolean | null> = {};
    for (let j = 0; j < header.length; j++) row[header[j]!] = typedCell(cells[j]);
    out[i - 1] = row;
  }
  return out;
}

const NUMBER = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function typedCell(cell: string | undefined): string | number | boolean | null {
  if (cell === undefined || cell === "") return null;
  const n = Number(cell);
  if (!Number.isNaN(n)) return NUMBER.test(cell) ? n : cell;
  return cell === "true" ? true : cell === "false" ? false : cell;
}
