import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { InputError } from "../errors";
import { profilesDir, reportsDir } from "../paths";
import { startViewServer } from "../viewer/server";
import { onInterrupt } from "./interrupt";
import { progressLine } from "./output";

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`must be a port from 0 to 65535 (got "${value}")`);
  return n;
}

/** URL path of something under reports/ or profiles/, or an InputError naming it. */
function urlFor(target: string, base = "/"): string {
  const abs = path.resolve(target);
  if (!fs.existsSync(abs)) throw new InputError("VIEW_PATH", `${target} does not exist`, { field: target });
  for (const [prefix, root] of [["reports", reportsDir()], ["profiles", profilesDir()]] as const) {
    if (abs === root || abs.startsWith(root + path.sep)) {
      const rel = path.relative(root, abs).split(path.sep).map(encodeURIComponent).join("/");
      if (abs.endsWith(".cpuprofile") || abs.endsWith(".heapprofile")) return `speedscope/index.html#profileURL=${encodeURIComponent(`${base.replace(/\/?$/, "/")}${prefix}/${rel}`)}`;
      const isRun = fs.statSync(abs).isDirectory() && fs.existsSync(path.join(abs, "report.html"));
      return `${prefix}/${rel}${isRun ? "/report.html" : ""}`;
    }
  }
  throw new InputError("VIEW_PATH", `${target} is not under ${reportsDir()} or ${profilesDir()}: perflab view serves only those`, { field: target });
}

export function viewCommand(): Command {
  return new Command("view")
    .description("serve profiles/ and reports/ on localhost: runs, reports, flamegraphs, profiles in speedscope")
    .argument("[path]", "a run, report or profile to open (default: the index of runs)")
    .option("--port <n>", "port (0 = any free one)", port, 7700)
    .option("--base-path <path>", "URL prefix of every link, behind a proxy that strips it (the Jupyter server: /perflab/)", "/")
    .option("--quiet", "print nothing (started by the Jupyter server)")
    .action(async (target: string | undefined, opts: { port: number; basePath: string; quiet?: boolean }) => {
      const suffix = target ? urlFor(target, opts.basePath) : "";
      const server = await startViewServer({ port: opts.port, basePath: opts.basePath });
      if (!opts.quiet) {
        process.stdout.write(`${server.url}${suffix}\n`);
        progressLine("serving reports/ and profiles/ on loopback only — Ctrl-C to stop");
      }
      await new Promise<void>((resolve) => {
        const release = onInterrupt(() => {
          release();
          void server.close().then(resolve);
        });
      });
    });
}
