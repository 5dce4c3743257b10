import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { InputError, PerfLabError, SetupError } from "../errors";
import { packageRoot, reportsDir } from "../paths";

export interface NotebookRunResult {
  htmlDir: string;
  notebooks: string[];
  ok: boolean;
  error: string | null;
}

/** The numbered notebooks of the lab (notebooks/NN-*.ipynb). */
export function notebookFiles(dir = path.join(packageRoot, "notebooks")): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Execute notebooks headlessly through the tslab kernel (nbclient, in the project's .venv) and export each
 * to HTML (nbconvert's lab template; plots are inline plotly, so the pages work offline).
 * `quick` sets PERFLAB_NOTEBOOK_MODE=quick, which the notebooks read for their parameters.
 */
export async function executeNotebooks(opts: { notebooks?: string[]; quick?: boolean; noInput?: boolean; htmlDir?: string; cellTimeoutSec?: number; log?: (line: string) => void } = {}): Promise<NotebookRunResult> {
  const python = path.join(packageRoot, ".venv", "bin", "python");
  if (!fs.existsSync(python)) throw new SetupError("NO_VENV", `${python} not found: run \`npm run setup\` to create the Jupyter virtualenv`);
  const notebooks = opts.notebooks?.length ? opts.notebooks.map((n) => path.resolve(n)) : notebookFiles();
  for (const n of notebooks) if (!fs.existsSync(n)) throw new InputError("NOTEBOOK_NOT_FOUND", `notebook ${n} not found`, { field: n });
  const htmlDir = opts.htmlDir ?? path.join(reportsDir(), "notebooks");
  const args = [path.join(packageRoot, "scripts", "execute_notebooks.py"), ...notebooks, "--html-dir", htmlDir, "--cell-timeout", String(opts.cellTimeoutSec ?? 900)];
  if (opts.noInput) args.push("--no-input");
  const child = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PERFLAB_NOTEBOOK_MODE: opts.quick ? "quick" : (process.env.PERFLAB_NOTEBOOK_MODE ?? "full") } });
  let lastError = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    for (const line of chunk.split("\n").filter(Boolean)) {
      if (line.startsWith("perflab:")) lastError = line.replace(/^perflab:\s*/, "");
      else opts.log?.(line);
    }
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code === 2) throw new InputError("NOTEBOOK_NOT_FOUND", lastError || "a notebook was not found");
  if (code !== 0 && !lastError) throw new PerfLabError("NOTEBOOKS_FAILED", `executing notebooks failed (exit ${code})`);
  return { htmlDir, notebooks, ok: code === 0, error: code === 0 ? null : lastError };
}
