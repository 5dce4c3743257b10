import fs from "node:fs";
import path from "node:path";

/** Root of the installed kafka-perf-lab package (the folder with its package.json). */
export const packageRoot: string = path.resolve(__dirname, "..");

/**
 * The user's workspace: where `reports/`, `profiles/` and the `.perflab/` state folder live.
 * PERFLAB_WORKSPACE wins; otherwise the nearest folder at or above the working directory that has a
 * package.json — so the CLI at the repo root and a notebook in `notebooks/` share one workspace.
 */
export function workspaceRoot(cwd: string = process.cwd()): string {
  const fromEnv = process.env.PERFLAB_WORKSPACE;
  if (fromEnv) return path.resolve(fromEnv);
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
}

/** Folder for the lab's machine-local state (cluster pids, ports, data). PERFLAB_STATE_DIR overrides. */
export function stateDir(): string {
  return process.env.PERFLAB_STATE_DIR ? path.resolve(process.env.PERFLAB_STATE_DIR) : path.join(workspaceRoot(), ".perflab");
}

export function reportsDir(): string {
  return path.join(workspaceRoot(), "reports");
}

export function profilesDir(): string {
  return path.join(workspaceRoot(), "profiles");
}

/** Write a file atomically (temp file + rename) so readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}
