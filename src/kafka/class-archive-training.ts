import { buildClassArchives, type TrainingCluster } from "./class-archive";
import { embeddedConnection } from "./connection";
import { findEmbeddedKafka, startEmbeddedKafka } from "./embedded";
import { ensureKafkaJars } from "./jars";
import { findJava } from "./java";
import { roundTrip } from "./roundtrip";

/**
 * The class-data archives' training run: one broker that starts, serves a produce/consume round trip (so the
 * request path's classes are in the archive too) and shuts down gracefully — a JVM writes its archive only
 * on a normal exit, and SIGTERM is one (Kafka's shutdown hook, then exit).
 */
const trainingCluster: TrainingCluster = {
  async start(stateDir, extras) {
    const k = await startEmbeddedKafka({ stateDir, brokers: 1, basePort: "auto", owner: process.pid, jvmExtras: extras });
    await roundTrip(embeddedConnection(k.bootstrap), { count: 100, timeoutMs: 60_000 });
  },
  async stop(stateDir) {
    const k = findEmbeddedKafka({ stateDir });
    if (!k) return;
    try {
      await k.stopBroker(1, { timeoutMs: 60_000 });
    } finally {
      await k.stop();
    }
  },
};

/** `perflab setup kafka-jars`'s second half: build the class-data archives if missing. Returns one line. */
export async function ensureClassArchives(opts: { log?: (line: string) => void } = {}): Promise<string> {
  const java = findJava();
  const jarsDir = await ensureKafkaJars({ log: opts.log });
  return buildClassArchives({ javaCommand: java.command, versionLine: java.versionLine, jarsDir }, trainingCluster, opts.log);
}
