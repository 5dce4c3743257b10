import { Command, CommanderError } from "commander";
import { PerfLabError, errorMessage } from "../errors";
import { kafkaCommand } from "./kafka";
import { rabbitmqCommand } from "./rabbitmq";
import { demoCommand } from "./demo";
import { setupCommand } from "./setup";
import { runCommand } from "./run";
import { profileCommand } from "./profile";
import { viewCommand } from "./view";
import { reportCommand } from "./report";

export function buildProgram(): Command {
  const program = new Command("perflab")
    .description("kafka-perf-lab: measure and explain the performance of Kafka producers and consumers")
    .version(require("../../package.json").version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own usage errors ("unknown command", "missing argument") become one "perflab:" line.
      outputError: (str, write) => write(`perflab: ${str.replace(/^error: /, "").trim()}\n`),
    });
  program.addCommand(kafkaCommand());
  program.addCommand(rabbitmqCommand());
  program.addCommand(runCommand());
  program.addCommand(profileCommand());
  program.addCommand(reportCommand());
  program.addCommand(viewCommand());
  program.addCommand(demoCommand());
  program.addCommand(setupCommand());
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  for (const cmd of program.commands.flatMap((c) => c.commands)) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** CLI entry: one line per error, exit code 2 for bad input, 1 for failures, 130 when interrupted. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" that exit 0; usage errors were already printed by outputError.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    // One line per problem (a spec may have several), each naming its field.
    for (const line of errorMessage(err).split("\n")) process.stderr.write(`perflab: ${line}\n`);
    process.exitCode = err instanceof PerfLabError ? err.exitCode : 1;
  }
}
