// The part both producers share: what an order message looks like, and the pacing of the send loop.
import { setTimeout as sleep } from "node:timers/promises";
import type { RoleContext } from "kafka-perf-lab";

/** Messages per send() call, keyed by customer, so one call spans every partition. */
export const CHUNK = 30;

export interface Order {
  key: string;
  value: string;
}

export function orders(first: number, n: number): Order[] {
  return Array.from({ length: n }, (_, i) => {
    const id = first + i;
    return { key: `customer-${id % 97}`, value: JSON.stringify({ orderId: id, amountCents: (id * 7919) % 100_000 }) };
  });
}

/**
 * Call `sendChunk` with consecutive chunks of orders for the run's duration (or message count), at about
 * the spec's rate, until the runner stops the role. A failed call is logged and the loop goes on — as
 * many applications do: what matters here is what was acknowledged.
 */
export async function sendLoop(ctx: RoleContext, sendChunk: (chunk: Order[]) => Promise<void>, ratePerSec = 1000): Promise<void> {
  const start = Date.now();
  const endAt = ctx.durationSec ? start + ctx.durationSec * 1000 : Infinity;
  const total = ctx.messages ?? Infinity;
  for (let next = 0; next < total && Date.now() < endAt && !ctx.signal.aborted; next += CHUNK) {
    try {
      await sendChunk(orders(next, Math.min(CHUNK, total - next)));
    } catch (err) {
      ctx.log(`send of orders ${next}…${next + CHUNK - 1} failed: ${(err as Error).message}`);
    }
    const due = start + ((next + CHUNK) / ratePerSec) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}
