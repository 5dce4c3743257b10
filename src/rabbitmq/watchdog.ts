/**
 * Watchdog of an owned embedded RabbitMQ node: `node watchdog.js <stateDir> <ownerPid>`. Takes the node
 * down when its owner is gone however it ended (crash, SIGKILL); exits when the node is stopped normally.
 */
import { readRabbitState, stopEmbeddedRabbitMQ } from "./embedded";
import { isAlive } from "../util/process";

const [stateDir, ownerArg] = process.argv.slice(2);
const ownerPid = Number(ownerArg);

async function main(): Promise<void> {
  for (;;) {
    const s = readRabbitState(stateDir);
    if (!s || s.ownerPid !== ownerPid) return;
    if (!isAlive(ownerPid)) {
      await stopEmbeddedRabbitMQ({ stateDir });
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`perflab rabbitmq watchdog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
