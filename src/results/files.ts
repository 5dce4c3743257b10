/**
 * The layout of a run directory `reports/<runId>/` and of its profiles `profiles/<runId>/`: every file
 * name in one place, so writers and readers cannot disagree.
 */
import path from "node:path";

/** Files at the top of a run directory. */
export const RUN_FILES = {
  manifest: "manifest.json",
  repetitionsJson: "repetitions.json",
  repetitionsCsv: "repetitions.csv",
  summaryJson: "summary.json",
  summaryCsv: "summary.csv",
  accountingJson: "accounting.json",
  accountingCsv: "accounting.csv",
  timeseries: "timeseries.csv",
  histograms: "histograms.json",
  latency: "latency.json",
  report: "report.html",
} as const;

export type RunFileName = (typeof RUN_FILES)[keyof typeof RUN_FILES];

/** Paths inside one run directory. */
export class RunLayout {
  readonly runDir: string;

  constructor(runDir: string) {
    this.runDir = path.resolve(runDir);
  }

  file(name: RunFileName): string {
    return path.join(this.runDir, name);
  }

  /** raw/<configId>/rep-<n>/: what each role handed in for one repetition. */
  repDir(configId: string, rep: number): string {
    return path.join(this.runDir, "raw", configId, `rep-${rep}`);
  }

  roleResult(configId: string, rep: number, roleId: string): string {
    return path.join(this.repDir(configId, rep), `${roleId}.json`);
  }

  /** A consumer's receipt journal of one repetition (binary: pairs of u32). */
  receipts(configId: string, rep: number, roleId: string): string {
    return path.join(this.repDir(configId, rep), `${roleId}.receipts`);
  }

  /** A binary attachment of a role's result (e.g. its offset records). */
  attachment(configId: string, rep: number, roleId: string, name: string): string {
    return path.join(this.repDir(configId, rep), `${roleId}.${name}.bin`);
  }

  get rawDir(): string {
    return path.join(this.runDir, "raw");
  }

  get logsDir(): string {
    return path.join(this.runDir, "logs");
  }

  roleLog(configId: string, roleId: string): string {
    return path.join(this.logsDir, `${configId}-${roleId}.log`);
  }

  clientLog(configId: string, roleId: string): string {
    return path.join(this.logsDir, `${configId}-${roleId}.client.log`);
  }

  /** A role's scratch folder (sinks write their files here). */
  workDir(configId: string, roleId: string): string {
    return path.join(this.runDir, "work", configId, roleId);
  }
}

/** Base path of one role's profile files in one repetition: `<base>.cpuprofile`, `<base>.calls.json`, … */
export function profileBase(profilesDir: string, roleId: string, configId: string, rep: number): string {
  return path.join(profilesDir, `${roleId}-${configId}-rep${rep}`);
}

/** Folder of one role's 0x output (flamegraph.html inside) for a repetition. */
export function flamegraphDir(profilesDir: string, roleId: string, configId: string, rep: number): string {
  return `${profileBase(profilesDir, roleId, configId, rep)}.0x`;
}
