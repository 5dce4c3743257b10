/**
 * Entry of a role process: `node role-main.js --connect <host:port> --role <roleId> --token <token>
 * --run <runId> [--precise-coverage]`. It only parses its arguments and, for a calls repetition, starts precise
 * coverage before anything else is loaded (so async functions are counted exactly, see
 * profiling/coverage.ts); everything else is loaded after that, in role-process.ts.
 */
import "./source-maps";
import { startEarlyCoverage } from "../profiling/coverage";

export interface RoleArgs {
  connect: string;
  roleId: string;
  token: string;
  preciseCoverage: boolean;
}

export function parseRoleArgs(argv: string[]): RoleArgs {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`usage: role-main --connect <host:port> --role <roleId> --token <token> [--precise-coverage] (missing ${name})`);
    return v;
  };
  return { connect: value("--connect"), roleId: value("--role"), token: value("--token"), preciseCoverage: argv.includes("--precise-coverage") };
}

// Ctrl-C in a terminal (or a notebook interrupt) reaches the whole process group: the runner decides how
// roles stop (stop → results → exit), so a role does not die on SIGINT and lose what it measured.
process.on("SIGINT", () => undefined);

async function main(): Promise<void> {
  const args = parseRoleArgs(process.argv.slice(2));
  if (args.preciseCoverage) await startEarlyCoverage();
  const { runRole } = require("./role-process") as typeof import("./role-process");
  await runRole(args);
}

main().catch((err) => {
  process.stderr.write(`perflab role: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
