/**
 * Kafka's UnregisterBroker request (API 64) for a stopped broker, sent through a running one (it forwards it to
 * the active controller). Why: the controller refuses a new incarnation of a broker id with
 * DUPLICATE_BROKER_REGISTRATION while the previous one's heartbeat session is valid — for
 * broker.session.timeout.ms (9 s) after its last heartbeat, even after a clean controlled shutdown. So a broker
 * stopped by a fault and started again before the next repetition spent ~8 s retrying its registration.
 * Measured on a 3-broker cluster (a broker that is not the active controller stopped, then started; `node
 * bench/broker-restart.mjs`): 9.47 s to answering on its own listener, 1.84 s with this request first. Used only
 * where the restart is the lab's housekeeping (between repetitions, a reused cluster made whole); a `start-broker`
 * fault or `perflab kafka start-broker` keeps Kafka's own behaviour.
 *
 * Sent with @platformatic/kafka's protocol layer (kafkajs has no UnregisterBroker), loaded only when called.
 */
import { ClusterError } from "../errors";
import { settleWithin, withTimeout } from "../util/timeout";

type Platformatic = typeof import("@platformatic/kafka");

/**
 * Asks `address` (host:port of a running broker's plaintext listener) to unregister broker `id`. Resolves when the
 * controller has accepted it; throws a ClusterError otherwise (no answer within `timeoutMs`, a refusal, or
 * @platformatic/kafka not loadable on this Node), and the caller then waits for the old session as before.
 */
export async function unregisterBroker(address: string, id: number, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const sep = address.lastIndexOf(":");
  let lib: Platformatic;
  try {
    lib = require("@platformatic/kafka") as Platformatic;
  } catch (err) {
    throw new ClusterError("UNREGISTER_FAILED", `cannot unregister broker ${id}: @platformatic/kafka does not load here (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  const conn = new lib.Connection("perflab-unregister", { connectTimeout: timeoutMs, requestTimeout: timeoutMs });
  try {
    const ask = (async () => {
      await conn.connect(address.slice(0, sep), Number(address.slice(sep + 1)));
      await lib.unregisterBrokerV0.api.async(conn, id);
    })();
    await withTimeout(ask, timeoutMs, `broker ${id} to be unregistered`);
  } catch (err) {
    throw new ClusterError("UNREGISTER_FAILED", `broker ${id} was not unregistered (asked ${address}): ${(err as Error).message}`, { cause: err });
  } finally {
    await settleWithin(conn.close(), 1000); // best effort: a connection that never opened, or one still waiting
  }
}
