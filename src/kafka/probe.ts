import { Kafka, logLevel, type KafkaConfig } from "kafkajs";

/** A kafkajs logCreator that drops everything: probes expect refused connections while brokers start. */
export const silentLogCreator = () => () => undefined;

/**
 * Broker ids that the cluster's metadata reports as registered, asked through `bootstrap`.
 * Returns null when no broker answered within `timeoutMs` (not an error: callers poll).
 */
export async function registeredBrokerIds(
  bootstrap: string[],
  opts: { timeoutMs?: number; config?: Partial<KafkaConfig> } = {},
): Promise<number[] | null> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const kafka = new Kafka({
    clientId: "perflab-probe",
    brokers: bootstrap,
    connectionTimeout: Math.min(timeoutMs, 2000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    logCreator: silentLogCreator,
    ...opts.config,
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
