import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { runExperiment, type RunResult } from "../run";
import { runSummaryText } from "../analysis/summary-text";
import { onInterrupt } from "./interrupt";
import { progressLine } from "./output";

const PROFILE_KINDS = ["cpu", "calls", "heap", "flamegraph"];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function profileList(value: string): string[] {
  const kinds = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = kinds.filter((k) => !PROFILE_KINDS.includes(k));
  if (bad.length) throw new InvalidArgumentError(`unknown profile kind ${bad.map((b) => `"${b}"`).join(", ")} (known: ${PROFILE_KINDS.join(", ")})`);
  return kinds;
}

function roleList(value: string): string[] {
  const roles = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = roles.filter((r) => r !== "producer" && r !== "consumer");
  if (bad.length || roles.length === 0) throw new InvalidArgumentError(`roles are producer and/or consumer (got "${value}")`);
  return roles;
}

export function runCommand(): Command {
  return new Command("run")
    .description("run an experiment spec (YAML or JSON) against Kafka; prints the run directory")
    .argument("<spec>", "experiment spec file")
    .option("--set <key=value>", "override a spec field (repeatable), e.g. --set producers.acks=1 --set matrix.producers.lingerMs=[0,5]", collect, [])
    .option("--quick", "shrink message counts and repetitions (CI, first tries)")
    .option("--profile <kinds>", `collect profiles: ${PROFILE_KINDS.join(",")}`, profileList)
    .option("--profile-roles <roles>", "which roles to profile: producer,consumer", roleList)
    .option("--no-progress", "no progress display")
    .action(async (specFile: string, opts: { set: string[]; quick?: boolean; profile?: string[]; profileRoles?: string[]; progress: boolean }) => {
      const sets = [...opts.set];
      for (const k of opts.profile ?? []) sets.push(`profile.${k}=true`);
      if (opts.profileRoles) sets.push(`profile.roles=[${opts.profileRoles.join(",")}]`);
      const abort = new AbortController();
      const release = onInterrupt(() => abort.abort());
      let result: RunResult;
      try {
        result = await runExperiment(specFile, { sets, quick: opts.quick, signal: abort.signal, progress: opts.progress ? "auto" : "none" });
      } finally {
        release();
      }
      process.stderr.write("\n" + runSummaryText(result) + "\n\n");
      if (result.state !== "completed") progressLine(`perflab: run ${result.state}${result.error ? `: ${result.error}` : ""} (what was measured is kept)`);
      progressLine(`results: ${path.relative(process.cwd(), result.runDir) || result.runDir}`);
      process.stdout.write(result.runDir + "\n");
      process.exitCode = result.state === "completed" ? 0 : result.state === "interrupted" ? 130 : 1;
    });
}
