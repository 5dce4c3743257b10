import {
  connectionFromEnv,
  connectionFromSettings,
  embeddedConnection,
  ensureEmbeddedKafka,
  findEmbeddedKafka,
  KAFKA_ENV,
  loadKafkaConfigFile,
  withAdmin,
  type EmbeddedKafka,
  type KafkaConnection,
} from "../kafka";
import type { ValidatedSpec } from "../spec";
import { settleWithin } from "../util/timeout";

/** The cluster a run measures, and whether this run started it (then it may stop it afterwards). */
export interface KafkaTarget {
  connection: KafkaConnection;
  cluster: EmbeddedKafka | null;
  startedHere: boolean;
}

export interface TargetOptions {
  connection?: KafkaConnection;
  stateDir?: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/**
 * The spec's cluster: a given connection wins, then the spec's `kafka` section, then the env vars
 * naming an external cluster, then the embedded cluster (reused when one of the right size is up).
 */
export async function resolveKafka(v: ValidatedSpec, opts: TargetOptions): Promise<KafkaTarget> {
  const k = v.spec.kafka;
  if (opts.connection) return { connection: opts.connection, cluster: opts.connection.kind === "embedded" ? findEmbeddedKafka({ stateDir: opts.stateDir }) : null, startedHere: false };
  if (k.external) return { connection: connectionFromSettings(k.external, "spec", process.env, "kafka.external"), cluster: null, startedHere: false };
  if (k.configFile) return { connection: loadKafkaConfigFile(k.configFile), cluster: null, startedHere: false };
  // No kafka section at all: an external cluster named by env vars wins over the embedded default.
  if (!k.embedded && process.env[KAFKA_ENV.configFile]) return { connection: loadKafkaConfigFile(process.env[KAFKA_ENV.configFile]!), cluster: null, startedHere: false };
  if (!k.embedded && process.env[KAFKA_ENV.bootstrap]) return { connection: connectionFromEnv(), cluster: null, startedHere: false };
  const brokers = k.embedded?.brokers ?? 1;
  const existing = findEmbeddedKafka({ stateDir: opts.stateDir });
  const reuse = existing !== null && existing.state.brokers.length === brokers;
  if (!reuse) opts.log(`starting embedded Kafka (${brokers} broker${brokers > 1 ? "s" : ""}) …`);
  const cluster = await ensureEmbeddedKafka({ brokers, stateDir: opts.stateDir, brokerConfig: k.embedded?.brokerConfig, owner: process.pid, signal: opts.signal });
  return { connection: embeddedConnection(cluster.bootstrap), cluster, startedHere: !reuse };
}

/** Throws (one line naming the broker or mechanism) when the cluster does not answer a metadata request. */
export async function checkReachable(conn: KafkaConnection): Promise<void> {
  await withAdmin(conn, (a) => a.describeCluster());
}

/** True if the cluster answers a metadata request within `timeoutMs`. */
export async function reachableWithin(conn: KafkaConnection, timeoutMs: number): Promise<boolean> {
  let ok = false;
  await settleWithin(
    checkReachable(conn).then(() => void (ok = true)),
    timeoutMs,
  );
  return ok;
}
