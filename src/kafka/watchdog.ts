/**
 * Watchdog process for an owned embedded cluster: `node watchdog.js <stateDir> <ownerPid>`.
 * Polls its owner (a test, a notebook kernel, a `perflab run`) and takes the cluster down when the owner
 * and every process that reused the cluster are gone, however they ended (crash, SIGKILL) — so no broker
 * JVM outlives its owners. It exits by itself when the cluster is taken down normally or handed to
 * another owner.
 */
import { clusterOwners, clusterPaths, readClusterState } from "./cluster-state";
import { teardownOrphanedCluster } from "./embedded";
import { isAlive } from "../util/process";

const [stateDir, ownerArg] = process.argv.slice(2);
const ownerPid = Number(ownerArg);

async function main(): Promise<void> {
  if (!stateDir || !ownerPid) {
    process.stderr.write("usage: watchdog <stateDir> <ownerPid>\n");
    process.exit(2);
  }
  const paths = clusterPaths(stateDir);
  for (;;) {
    const state = readClusterState(paths);
    if (!state || state.ownerPid !== ownerPid) return; // cluster gone or re-owned: nothing to guard
    if (!clusterOwners(state).some(isAlive)) {
      await teardownOrphanedCluster(stateDir, ownerPid);
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`perflab watchdog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
