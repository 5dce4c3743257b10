import fs from "node:fs";

import { writeFileAtomic, writeJsonAtomic } from "../paths";
import { parseCsv, toCsv } from "./csv";
import { profileBase, RUN_FILES, RunLayout } from "./files";
import type { CollectorCost, Manifest, ProfileFileKind, ProfileRecord, RepRecord, RunState } from "./model";
import type { RoleRepResult } from "./role-result";
import { SERIES_COLUMNS, summarize, summarizePooled, type LatencyName, type RepRow, type SeriesRow, type SummaryRow } from "./rows";

/**
 * Writes a run directory `reports/<runId>/`. Every write replaces a whole file atomically and the derived
 * files are rewritten after each repetition, so a crash or Ctrl-C keeps every completed repetition and the
 * manifest always parses. It only serializes: the numbers come from rows.ts and accounting.ts.
 */
export class ResultsWriter {
  readonly layout: RunLayout;
  readonly manifest: Manifest;
  private readonly rows: RepRow[] = [];
  private readonly pooled = new Map<string, Record<LatencyName, string>>();
  private seriesHeader: string[] | null = null;

  constructor(runDir: string, manifest: Manifest) {
    this.layout = new RunLayout(runDir);
    this.manifest = manifest;
    fs.mkdirSync(this.layout.runDir, { recursive: true });
    this.writeManifest();
  }

  get runDir(): string {
    return this.layout.runDir;
  }

  get repRows(): RepRow[] {
    return this.rows;
  }

  summaries(): SummaryRow[] {
    return summarize(this.rows);
  }

  writeManifest(): void {
    writeJsonAtomic(this.layout.file(RUN_FILES.manifest), this.manifest);
  }

  setState(state: RunState, error: string | null = null): void {
    this.manifest.state = state;
    this.manifest.error = error;
    if (state !== "running") this.manifest.endedAt = new Date().toISOString();
    this.writeManifest();
  }

  addWarning(line: string): void {
    if (!this.manifest.warnings.includes(line)) this.manifest.warnings.push(line);
    this.writeManifest();
  }

  /** One role's result of one repetition, and its binary attachments beside it. */
  writeRoleResult(result: RoleRepResult, attachments: Record<string, Uint8Array> = {}): void {
    writeJsonAtomic(this.layout.roleResult(result.configId, result.rep, result.roleId), result);
    for (const [name, data] of Object.entries(attachments)) writeFileAtomic(this.layout.attachment(result.configId, result.rep, result.roleId, name), data);
  }

  /** A consumer's receipt journal of one repetition (kept for killed consumers). */
  writeReceipts(configId: string, rep: number, roleId: string, data: Uint8Array): void {
    writeFileAtomic(this.layout.receipts(configId, rep, roleId), data);
  }

  /** Record a finished (or failed) repetition and rewrite every derived file. */
  addRepetition(record: RepRecord, row: RepRow, series: SeriesRow[], profiles: ProfileRecord[] = []): void {
    this.manifest.repetitions.push(record);
    this.manifest.profiles.push(...profiles);
    this.rows.push(row);
    this.appendSeries(series);
    this.writeAll();
  }

  addProfiles(profiles: ProfileRecord[]): void {
    this.manifest.profiles.push(...profiles);
    this.writeManifest();
  }

  addCollectorCost(costs: CollectorCost[]): void {
    this.manifest.collectorCost.push(...costs);
    this.writeManifest();
  }

  /** Pooled latency histograms of a configuration's warm repetitions (encoded), rewritten as they grow. */
  setPooledHistograms(configId: string, pooled: Record<LatencyName, string>): void {
    this.pooled.set(configId, pooled);
    writeJsonAtomic(this.layout.file(RUN_FILES.histograms), Object.fromEntries(this.pooled));
    const latency: Record<string, ReturnType<typeof summarizePooled>> = {};
    for (const [id, h] of this.pooled) latency[id] = summarizePooled(h);
    writeJsonAtomic(this.layout.file(RUN_FILES.latency), { unit: "µs", note: "percentiles of the merged histograms of all warm repetitions", configurations: latency });
  }

  private writeAll(): void {
    const L = this.layout;
    writeJsonAtomic(L.file(RUN_FILES.repetitionsJson), this.rows);
    writeFileAtomic(L.file(RUN_FILES.repetitionsCsv), toCsv(this.rows as unknown as Array<Record<string, unknown>>));
    const summary = this.summaries();
    writeJsonAtomic(L.file(RUN_FILES.summaryJson), summary);
    writeFileAtomic(L.file(RUN_FILES.summaryCsv), toCsv(summary as unknown as Array<Record<string, unknown>>));
    const accounting = this.rows.map(accountingRecord);
    writeJsonAtomic(L.file(RUN_FILES.accountingJson), accounting);
    writeFileAtomic(L.file(RUN_FILES.accountingCsv), toCsv(accounting));
    this.writeManifest();
  }

  private appendSeries(rows: SeriesRow[]): void {
    if (rows.length === 0) return;
    const file = this.layout.file(RUN_FILES.timeseries);
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    this.seriesHeader ??= ["configId", "rep", "roleId", "kind", "t", ...SERIES_COLUMNS];
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

/** The accounting columns of a repetition row (accounting.csv / .json). */
export function accountingRecord(row: RepRow): Record<string, unknown> {
  const { configId, label, rep, kind, state, produced, acked, failed, consumed, received, duplicates, lost, unackedDelivered, untracked } = row;
  return { configId, label, rep, kind, state, produced, acked, failed, consumed, received, duplicates, lost, unackedDelivered, untracked };
}



const PROFILE_EXT: Record<ProfileFileKind, string> = {
  cpuprofile: ".cpuprofile",
  heapprofile: ".heapprofile",
  calls: ".calls.json",
  gc: ".gc.json",
  sourcemap: ".sourcemap.json",
  flamegraph: ".0x/flamegraph.html",
};

/** Write one role's profile files of one repetition under `profilesDir`; returns kind → path. */
export function writeProfileFiles(profilesDir: string, configId: string, rep: number, roleId: string, files: Partial<Record<ProfileFileKind, Uint8Array>>): Partial<Record<ProfileFileKind, string>> {
  const base = profileBase(profilesDir, roleId, configId, rep);
  const out: Partial<Record<ProfileFileKind, string>> = {};
  for (const [kind, data] of Object.entries(files) as Array<[ProfileFileKind, Uint8Array]>) {
    const file = base + PROFILE_EXT[kind];
    writeFileAtomic(file, data);
    out[kind] = file;
  }
  return out;
}
