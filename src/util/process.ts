import fs from "node:fs";
import { spawn } from "node:child_process";
import { sleep } from "./timeout";

/** True if a process with this pid exists (and is not a zombie we could reap). */
export function isAlive(pid: number | null | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie still answers kill(0); on Linux /proc tells us it is really gone.
  const stat = readProcFile(pid, "stat");
  if (stat !== null) {
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
  }
  return true;
}

/** Command line of a process as one string (Linux /proc), or null where /proc is not available. */
export function processCommandLine(pid: number): string | null {
  const raw = readProcFile(pid, "cmdline");
  return raw === null ? null : raw.split("\0").join(" ").trim();
}

function readProcFile(pid: number, name: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch {
    // No /proc (macOS) or the process is gone: callers treat null as "unknown".
    return null;
  }
}

/** Pids of live processes whose command line contains `needle` (Linux only; [] elsewhere). */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmd = processCommandLine(pid);
    if (cmd && cmd.includes(needle) && isAlive(pid)) pids.push(pid);
  }
  return pids;
}

/**
 * Send `signal` to pid and wait for it to exit; escalate to SIGKILL after `timeoutMs`.
 * Returns true if the process is gone at the end. Never throws for a process that is already gone.
 */
export async function terminate(pid: number, opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<boolean> {
  if (!isAlive(pid)) return true;
  const signal = opts.signal ?? "SIGTERM";
  sendSignal(pid, signal);
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  sendSignal(pid, "SIGKILL");
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return !isAlive(pid);
}

/** kill(2) that ignores "no such process". */
export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Last `lines` lines of a text file ("" if it does not exist): for error messages about crashed processes. */
export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * Run a command to its end with stdout and stderr collected together; killed (SIGKILL) after `timeoutMs` or
 * on `signal`. Never rejects: a command that cannot start gives code null and the error as its output.
 */
export function runCommand(
  command: string,
  args: string[],
  opts: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: opts.env, cwd: opts.cwd });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, opts.timeoutMs);
    opts.signal?.addEventListener("abort", kill, { once: true });
    const done = (code: number | null) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", kill);
      resolve({ code, output });
    };
    child.on("error", (err) => {
      output += err.message;
      done(null);
    });
    child.on("close", done);
  });
}
