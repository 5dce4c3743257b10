import path from "node:path";
import { Command } from "commander";
import { DEFAULT_BASE_PORT, ensureEmbeddedKafka, findEmbeddedKafka, stopEmbeddedKafka } from "../kafka";
import { runExperiment } from "../run";
import { runSummaryText } from "../analysis/summary-text";
import { runFunctionTable, topFunctions } from "../profiling";
import { formatFunctionRows } from "../profiling/format";
import { packageRoot } from "../paths";
import { progressLine, seconds } from "./output";
import { onInterrupt } from "./interrupt";
import { basePort } from "./kafka";

/**
 * The quickstart: embedded Kafka up, the example pipeline (ratings producers → mean-rating processor) as a
 * small experiment with a CPU profile and exact call counts of the consumer, a standalone HTML report, and
 * where everything is. Takes about a minute on a 2-core machine.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("the quickstart: embedded Kafka, a small profiled experiment on the example pipeline, an HTML report")
    .option("--keep-kafka", "leave the embedded cluster running afterwards")
    .option("--full", "the full experiment instead of the quick one")
    .option("--port <base>", "the embedded broker's client port when the demo starts it (or auto: a free one)", basePort, DEFAULT_BASE_PORT)
    .action(async (opts: { keepKafka?: boolean; full?: boolean; port: number | "auto" }) => {
      const wasUp = findEmbeddedKafka() !== null;
      const abort = new AbortController();
      const release = onInterrupt(() => abort.abort());
      const t0 = performance.now();
      try {
        const kafka = await ensureEmbeddedKafka({ brokers: 1, basePort: opts.port, signal: abort.signal, log: progressLine, owner: opts.keepKafka || wasUp ? null : process.pid });
        progressLine(`Kafka ${kafka.kafkaVersion} ready at ${kafka.bootstrap.join(",")} (${seconds(performance.now() - t0)})`);
        const spec = path.join(packageRoot, "examples", "ratings", "pipeline.yaml");
        progressLine(`running ${path.relative(process.cwd(), spec) || spec}${opts.full ? "" : " (small)"} with a CPU profile and call counts of the consumer …`);
        // Small but not too few: 1 warm-up and 5 measured repetitions give a confidence interval that means something.
        const small = opts.full ? [] : ["workload.messages=2500", "repetitions=5", "warmup=1"];
        const result = await runExperiment(spec, {
          sets: [...small, "profile.cpu=true", "profile.calls=true", "profile.roles=[consumer]"],
          signal: abort.signal,
        });
        process.stdout.write(`\n${runSummaryText(result)}\n`);
        // Interrupted before its profile repetition, the run has no profile: say that, not "run with --profile".
        if (result.state === "interrupted" && !result.repetitions.some((r) => r.kind === "profile")) {
          progressLine("no function table: the run was interrupted before its profile repetition");
        } else {
          try {
            const table = runFunctionTable(result.runDir, { role: "consumer" });
            process.stdout.write(`\nWhere the consumer's time goes (top 8 by self time, ms; calls are exact):\n${formatFunctionRows(topFunctions(table, "self", 8))}\n`);
          } catch (err) {
            progressLine(`no function table: ${(err as Error).message}`);
          }
        }
        const rel = (p: string) => path.relative(process.cwd(), p) || p;
        process.stdout.write(
          [
            "",
            `run:     ${rel(result.runDir)}  (${result.state}, ${seconds(performance.now() - t0)})`,
            `report:  ${rel(path.join(result.runDir, "report.html"))}`,
            `browse:  npx perflab view   (reports, profiles in speedscope, flamegraphs)`,
            `next:    npm run lab   (the notebooks), npx perflab run examples/producer-config.yaml`,
            "",
          ].join("\n"),
        );
        if (result.state !== "completed") process.exitCode = result.state === "interrupted" ? 130 : 1;
      } finally {
        release();
        if (!opts.keepKafka && !wasUp) {
          await stopEmbeddedKafka();
          progressLine("Kafka down");
        }
      }
    });
}
