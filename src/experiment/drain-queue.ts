import { errorMessage, PerfLabError } from "../errors";
import { checkConsumers, pollUntil } from "./drain";
import type { FaultScheduler } from "./faults";
import type { RoleSet } from "./role-set";

/**
 * After this long with an empty queue and idle consumers, what did not arrive is not coming (it was lost).
 * Consumers report progress every 200 ms (PROGRESS_INTERVAL_MS in roles/role-process.ts): many reports.
 */
const QUIET_MS = 3000;

/**
 * RabbitMQ's drain: the queue has no message ready, every consumer has processed what it was delivered, and
 * either the consumers received at least what the producers had confirmed or nothing moved for QUIET_MS
 * (deliveries on the wire arrive within that; lost messages never do — the accounting reports them). The
 * queue depth comes from AMQP (exact now), read at most every 200 ms; a broker down (a fault) is waited for.
 * No progress for `stallMs` with messages left ends the wait with an error naming the queue.
 */
export async function waitQueueDrained(depth: () => Promise<{ ready: number }>, roles: RoleSet, queue: string, faults: FaultScheduler, stallMs: number, capMs: number): Promise<void> {
  let ready: number | null = null;
  let depthError = "";
  let reading = false;
  const read = () => {
    if (reading) return;
    reading = true;
    depth()
      .then((d) => ((ready = d.ready), (depthError = "")))
      .catch((err) => ((ready = null), (depthError = errorMessage(err))))
      .finally(() => (reading = false));
  };
  const live = () => roles.consumers.filter((c) => !faults.killed.has(c.roleId));
  const received = () => roles.consumers.reduce((s, c) => s + c.progress.received, 0);
  const acked = () => roles.producers.reduce((s, p) => s + p.progress.acked, 0);
  const buffered = () => live().reduce((s, c) => s + c.progress.buffered, 0);
  let last = received();
  let lastChange = Date.now();
  const start = Date.now();
  read();
  await pollUntil(roles, () => {
    checkConsumers(roles, faults);
    read();
    const now = Date.now();
    if (received() !== last) {
      last = received();
      lastChange = now;
    }
    const idle = ready === 0 && buffered() === 0;
    if (idle && (received() >= acked() || now - lastChange > QUIET_MS)) return true;
    if (now - lastChange > stallMs || now - start > capMs) {
      const where = ready === null ? `its depth unknown (${depthError || "no answer"})` : `${ready} ready, ${buffered()} delivered but not processed`;
      throw new PerfLabError("DRAIN_STALLED", `consumers made no progress for ${(stallMs / 1000).toFixed(0)} s with messages left on queue ${queue}: ${where}`);
    }
    return false;
  });
}
