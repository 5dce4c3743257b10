import fs from "node:fs";
import path from "node:path";
import { flamegraphDir } from "../results/files";

/** The role a launcher starts (what 0x needs to know of it). */
export interface LaunchedRole {
  roleId: string;
  kind: "producer" | "consumer";
  configId: string;
}

/** How to start a role process: the lab's role entry, possibly wrapped. */
export type Launcher = (role: LaunchedRole, entryArgs: string[]) => { command: string; args: string[] };

/**
 * Runs the chosen roles under 0x (headless: no browser is opened). 0x starts the role with --prof,
 * and writes flamegraph.html into the role's folder when the role exits — the runner waits for that.
 */
export function zeroXLauncher(profilesDir: string, roles: Array<"producer" | "consumer">, rep: number): Launcher {
  // PERFLAB_0X: another 0x CLI (a fork, a newer version); default the one installed with the lab.
  const bin = process.env.PERFLAB_0X ?? require.resolve("0x/cmd.js");
  return (role, entry) => {
    if (!roles.includes(role.kind)) return { command: process.execPath, args: entry };
    const dir = flamegraphDir(profilesDir, role.roleId, role.configId, rep);
    // 0x writes the V8 log in its working dir and moves it into the output dir: they must differ.
    const work = path.join(profilesDir, ".0x-work", `${role.roleId}-${role.configId}-rep${rep}`);
    fs.mkdirSync(work, { recursive: true });
    return { command: process.execPath, args: [bin, "--quiet", "--output-dir", dir, "--working-dir", work, "--", process.execPath, ...entry] };
  };
}

/** The flamegraph of a role, or an error naming the role and folder when 0x produced none. */
export function checkFlamegraph(profilesDir: string, roleId: string, configId: string, rep: number): { file: string | null; error: string | null } {
  const dir = flamegraphDir(profilesDir, roleId, configId, rep);
  const file = path.join(dir, "flamegraph.html");
  if (fs.existsSync(file)) return { file, error: null };
  return { file: null, error: `0x wrote no flamegraph for ${roleId} (${configId}, rep ${rep}) in ${dir}: see the role's log` };
}
