/**
 * A tslab kernel whose Jupyter server (or nbclient) is gone exits, as ipykernel's parent poller does for
 * Python kernels. Without it, a kernel orphaned by `kill -9` of the server (or Ctrl-C of a headless run)
 * lives on with nobody able to reach it — and with it every Kafka cluster and RabbitMQ node it owns, since
 * their watchdogs wait for their owner, the kernel. When it exits, the watchdogs take them down.
 * jupyter_client names the process that started the kernel in JPY_PARENT_PID (not for "independent" kernels).
 */
import { inTslab } from "../progress";
import { isAlive } from "../util/process";

const POLL_MS = 2000;
let watching = false;

/** Start watching (once per process, only inside a tslab kernel that has a parent to watch). */
export function watchKernelParent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (watching || !inTslab()) return watching;
  const parent = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return false;
  watching = true;
  const directChild = process.ppid === parent;
  setInterval(() => {
    // Reparented (the parent died and init or a subreaper adopted us), or the named parent is gone.
    if ((directChild && process.ppid !== parent) || !isAlive(parent)) process.exit(0);
  }, POLL_MS).unref();
  return true;
}
