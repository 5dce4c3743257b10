import { PerfLabError } from "../errors";
import { withAdmin, type KafkaConnection } from "../kafka";
import type { FaultScheduler } from "./faults";
import type { RoleSet } from "./role-set";

interface Target {
  partition: number;
  high: number;
  low: number;
}

/**
 * Wait until the consumers' positions reach every partition's end (high watermark, read once producers
 * are done). Watchdog: if no consumer makes progress for `stallMs`, the wait ends with an error naming the
 * partitions still behind — a backlog that stops draining never hangs the run. `capMs` bounds it overall.
 */
export async function waitDrained(connection: KafkaConnection, roles: RoleSet, topic: string, faults: FaultScheduler, stallMs: number, capMs: number): Promise<void> {
  const ends = await withAdmin(connection, (a) => a.fetchTopicOffsets(topic));
  const targets: Target[] = ends.map((e) => ({ partition: e.partition, high: Number(e.high), low: Number(e.low) })).filter((e) => e.high > e.low);
  const position = (p: number) => Math.max(0, ...roles.consumers.map((c) => c.progress.positions[`${topic}:${p}`] ?? 0));
  const behind = () => targets.filter((t) => position(t.partition) < t.high);
  const total = () => roles.consumers.reduce((s, c) => s + c.progress.received, 0);
  let lastTotal = total();
  let lastChange = Date.now();
  const start = Date.now();
  const check = (): boolean => {
    checkConsumers(roles, faults);
    if (behind().length === 0) return true;
    if (total() !== lastTotal) {
      lastTotal = total();
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > stallMs || Date.now() - start > capMs) {
      const lag = behind().map((t) => `${t.partition}: ${t.high - position(t.partition)}`);
      const why = roles.consumers.filter((c) => c.progress.error).map((c) => `${c.roleId}: ${c.progress.error}`);
      throw new PerfLabError("DRAIN_STALLED", `consumers made no progress for ${(stallMs / 1000).toFixed(0)} s with messages left on ${topic} (partition: lag ${lag.join(", ")})${why.length ? ` — ${why.join("; ")}` : ""}`);
    }
    return false;
  };
  await pollUntil(roles, check);
}

/** Throws when a consumer died (not by a fault), a role crashed, or a handler failed with onError "stop". */
export function checkConsumers(roles: RoleSet, faults: FaultScheduler): void {
  faults.failIfRoleCrashed();
  const live = roles.consumers.filter((c) => !faults.killed.has(c.roleId));
  const dead = live.find((c) => c.exited);
  if (dead) throw roles.exitFailure(dead, "to consume");
  const failed = live.find((c) => c.progress.errorCode === "HANDLER_FAILED");
  if (failed) throw new PerfLabError("HANDLER_FAILED", `${failed.roleId}: ${failed.progress.error} (consumers.onError is "stop")`);
}

/** Run `check` on every role event and every 200 ms until it returns true (resolves) or throws (rejects). */
export function pollUntil(roles: RoleSet, check: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: unknown) => {
      off();
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
    const tick = () => {
      try {
        if (check()) finish();
      } catch (err) {
        finish(err);
      }
    };
    const off = roles.onEvent(tick);
    const timer = setInterval(tick, 200);
    tick();
  });
}
