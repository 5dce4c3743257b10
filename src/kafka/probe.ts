import { Kafka, logLevel, type KafkaConfig } from "kafkajs";
import { sleep } from "../util/timeout";

/** A kafkajs logCreator that drops everything: probes expect refused connections while brokers start. */
export const silentLogCreator = () => () => undefined;

/**
 * Broker ids that the cluster's metadata reports as registered, asked through `bootstrap`.
 * Returns null when no broker answered within `timeoutMs` (not an error: callers poll).
 * Up to three tries: kafkajs sends the metadata request to a broker picked at random from the metadata, and one that
 * Kafka still lists after a kill (for its 9 s session) refuses the connection — one probe in three failed that way.
 */
export async function registeredBrokerIds(
  bootstrap: string[],
  opts: { timeoutMs?: number; config?: Partial<KafkaConfig> } = {},
): Promise<number[] | null> {
  const deadline = Date.now() + (opts.timeoutMs ?? 3000);
  for (let attempt = 1; ; attempt++) {
    const ids = await askOnce(bootstrap, deadline - Date.now(), opts.config);
    if (ids || attempt === 3 || deadline - Date.now() < 100) return ids;
    await sleep(50);
  }
}

async function askOnce(bootstrap: string[], timeoutMs: number, config: Partial<KafkaConfig> | undefined): Promise<number[] | null> {
  const kafka = new Kafka({
    clientId: "perflab-probe",
    brokers: bootstrap,
    connectionTimeout: Math.min(timeoutMs, 2000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    logCreator: silentLogCreator,
    ...config,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  const ask = (async () => {
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    } catch {
      return null; // broker not answering yet: the caller polls again
    }
  })();
  try {
    return await Promise.race([ask, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
