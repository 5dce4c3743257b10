import path from "node:path";
import { Command } from "commander";
import { InputError } from "../errors";
import { executeNotebooks, writeRunReport } from "../report";
import { progressLine } from "./output";

export function reportCommand(): Command {
  return new Command("report")
    .description("standalone HTML report of a run (reports/<runId>/report.html), or execute the notebooks and export them to HTML")
    .argument("[runDir]", "run directory (reports/<runId>)")
    .option("--notebooks [files...]", "execute the notebooks (default: all) headlessly and export HTML into reports/notebooks/")
    .option("--quick", "notebooks in quick mode (small runs)")
    .option("--no-input", "notebook HTML without the code cells")
    .action(async (runDir: string | undefined, opts: { notebooks?: string[] | boolean; quick?: boolean; input: boolean }) => {
      if (opts.notebooks) {
        const r = await executeNotebooks({ notebooks: Array.isArray(opts.notebooks) ? opts.notebooks : undefined, quick: opts.quick, noInput: !opts.input, log: progressLine });
        if (!r.ok) throw new InputError("NOTEBOOK_FAILED", r.error ?? "a notebook failed");
        progressLine(`notebooks exported to ${path.relative(process.cwd(), r.htmlDir) || r.htmlDir}`);
        process.stdout.write(r.htmlDir + "\n");
        return;
      }
      if (!runDir) throw new InputError("USAGE", "give a run directory (perflab report reports/<runId>) or --notebooks", { field: "runDir" });
      const file = writeRunReport(runDir);
      progressLine(`report written: ${path.relative(process.cwd(), file) || file}`);
      process.stdout.write(file + "\n");
    });
}
