import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { TimeoutError } from "../errors";
import { isAlive } from "../util/process";

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/**
 * Make a shared input (a generated dataset, a file several roles read) exactly once, even when several
 * role processes ask for it at the same moment — the first run on a fresh machine. `build` writes into a
 * private temporary folder (or file path) that is renamed into place atomically; the others wait on a lock
 * and then find it made. Synchronous, so module-level code and generators can call it. Returns `target`.
 *
 *   ensureBuilt(dir, (tmp) => { fs.writeFileSync(path.join(tmp, "movies.csv"), …) }, { directory: true })
 */
export function ensureBuilt(target: string, build: (tmp: string) => void, opts: { directory?: boolean; timeoutMs?: number } = {}): string {
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const lock = `${target}.lock`;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (fs.existsSync(target)) return target; // made by the lock holder meanwhile
      if (holderGone(lock)) {
        fs.rmSync(lock, { recursive: true, force: true }); // its maker died (kill -9): take over
        continue;
      }
      if (Date.now() > deadline) throw new TimeoutError(`${target} to be made by another process (lock ${lock}; remove it if no process is making it)`, opts.timeoutMs ?? 120_000);
      Atomics.wait(SLEEP, 0, 0, 50);
    }
  }
  try {
    if (fs.existsSync(target)) return target;
    const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(3).toString("hex")}`;
    if (opts.directory) fs.mkdirSync(tmp, { recursive: true });
    try {
      build(tmp);
      fs.renameSync(tmp, target);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return target;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** True when the lock's holder has exited (a lock without a pid yet is still being taken). */
function holderGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    return false; // between mkdir and the pid write
  }
  return pid > 0 && !isAlive(pid);
}
