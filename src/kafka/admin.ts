import { Kafka, type Admin, type ITopicConfig } from "kafkajs";
import { errorMessage, InputError, PerfLabError } from "../errors";
import { waitFor } from "../util/timeout";
import { kafkaClientConfig, type KafkaConnection } from "./connection";
import { defaultKafkajsLog, fileLogCreator } from "./logging";

/** Kafka's rule for topic names: 1–249 of [a-zA-Z0-9._-], not "." or "..". Returns the name or throws naming `field`. */
export function validateTopicName(name: unknown, field = "topic.name"): string {
  if (typeof name !== "string" || name.length === 0) throw new InputError("BAD_TOPIC", `${field} must be a non-empty string`, { field });
  if (name.length > 249) throw new InputError("BAD_TOPIC", `${field} is ${name.length} characters long; Kafka allows at most 249`, { field });
  if (name === "." || name === "..") throw new InputError("BAD_TOPIC", `${field} cannot be "${name}"`, { field });
  const bad = /[^a-zA-Z0-9._-]/.exec(name);
  if (bad) throw new InputError("BAD_TOPIC", `${field} "${name}" has the character "${bad[0]}"; Kafka topic names allow only letters, digits, ".", "_" and "-"`, { field });
  return name;
}

export function labKafka(conn: KafkaConnection, clientId: string, logFile = defaultKafkajsLog()): Kafka {
  return new Kafka(kafkaClientConfig(conn, clientId, { logCreator: fileLogCreator(logFile), connectionTimeout: 5000, requestTimeout: 30_000 }));
}

/** Run `fn` with a connected admin client; always disconnects. Connection failures become KAFKA_UNREACHABLE. */
export async function withAdmin<T>(conn: KafkaConnection, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = labKafka(conn, "perflab-admin").admin({ retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 } });
  try {
    await admin.connect();
  } catch (err) {
    throw unreachable(conn, err);
  }
  try {
    return await fn(admin);
  } catch (err) {
    throw isConnectionFailure(err) ? unreachable(conn, err) : err;
  } finally {
    await admin.disconnect();
  }
}

const CONNECTION_ERRORS = new Set(["KafkaJSConnectionError", "KafkaJSConnectionClosedError", "KafkaJSSASLAuthenticationError", "KafkaJSBrokerNotFound", "KafkaJSNoBrokerAvailableError"]);

/** A kafkajs error (possibly wrapped by retries) that means "could not talk to the cluster". */
export function isConnectionFailure(err: unknown): boolean {
  for (let e = err as { name?: string; originalError?: unknown; cause?: unknown } | undefined; e; e = (e.originalError ?? e.cause) as typeof e) {
    if (e.name && CONNECTION_ERRORS.has(e.name)) return true;
  }
  return false;
}

/** Turn a kafkajs connection / SASL failure into one line naming the bootstrap list (never the credentials). */
export function unreachable(conn: KafkaConnection, err: unknown): PerfLabError {
  let e = err as Error & { name?: string; originalError?: Error };
  while (e?.originalError) e = e.originalError as typeof e;
  if (e?.name === "KafkaJSSASLAuthenticationError") {
    return new PerfLabError("KAFKA_AUTH_FAILED", `SASL authentication (${conn.sasl?.mechanism ?? "?"}) to ${conn.bootstrap.join(",")} failed: check the username and password`, { cause: err });
  }
  const hint = e?.name === "KafkaJSConnectionClosedError" && !conn.sasl && !conn.ssl ? " (the broker closed the connection: does this cluster need SASL or TLS settings?)" : "";
  return new PerfLabError("KAFKA_UNREACHABLE", `cannot reach Kafka at ${conn.bootstrap.join(",")} (${conn.source}): ${e?.message ?? String(err)}${hint}`, { cause: err });
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string | number>;
}

/** Create a topic and wait until every partition's leader takes writes. Fails with TOPIC_EXISTS if it exists. */
export async function createTopic(conn: KafkaConnection, t: TopicSpec): Promise<void> {
  validateTopicName(t.name);
  await withAdmin(conn, async (admin) => {
    const configEntries: ITopicConfig["configEntries"] = Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value: String(value) }));
    let created: boolean;
    try {
      // Not kafkajs's waitForLeaders: it sleeps 100 ms before its first look (most of a topic's creation
      // here: ~40 ms to create, then the sleep) and gives up after a few tries, which right after a broker
      // restart is too soon (measured: a 3-broker cluster just after a kill and restart answered
      // UNKNOWN_TOPIC_OR_PARTITION to it). The leaders are waited for below instead.
      created = await admin.createTopics({
        topics: [{ topic: t.name, numPartitions: t.partitions, replicationFactor: t.replicationFactor, configEntries }],
        waitForLeaders: false,
        timeout: 30_000,
      });
    } catch (err) {
      // kafkajs wraps the broker's reason (e.g. INVALID_REPLICATION_FACTOR) in an aggregate error.
      const inner = (err as { errors?: Array<{ type?: string; message?: string }> }).errors ?? [];
      const why = inner.map((e) => `${e.type ?? "ERROR"}: ${e.message ?? ""}`.trim()).join("; ") || (err as Error).message;
      throw new PerfLabError("TOPIC_CREATE_FAILED", `cannot create topic ${t.name} (${t.partitions} partitions, replication factor ${t.replicationFactor}): ${why}`, { cause: err });
    }
    if (!created) throw new PerfLabError("TOPIC_EXISTS", `topic ${t.name} already exists`);
    let seen = "no metadata yet";
    await waitFor(
      "its leaders",
      async () => {
        const md = await admin.fetchTopicMetadata({ topics: [t.name] }).catch((err: Error) => ((seen = err.message), null));
        const parts = md?.topics[0]?.partitions ?? [];
        if (md) seen = `${parts.filter((p) => p.leader >= 0).length} of ${t.partitions} partitions with a leader`;
        if (parts.length !== t.partitions || parts.some((p) => p.leader < 0)) return undefined;
        // A leader in the metadata is not yet a leader that takes writes: a moment later the broker still answered
        // Produce with NOT_LEADER_OR_FOLLOWER (53 of 200 fresh topics beside two CPU hogs), and a kafkajs send spanning
        // partitions retries that wrongly (kafkajs#1303). ListOffsets goes through the same leader check, so every
        // partition answering it means the topic takes writes when this returns.
        return admin.fetchTopicOffsets(t.name).then(
          () => true,
          (err: Error) => void (seen = `leaders not ready yet: ${err.message}`),
        );
      },
      { timeoutMs: 60_000, intervalMs: 20, detail: () => seen },
    ).catch((err) => {
      throw new PerfLabError("TOPIC_CREATE_FAILED", `topic ${t.name} was created, but ${errorMessage(err)}`, { cause: err });
    });
  });
}

/** Delete topics and wait until the broker's metadata no longer lists them (so the names can be created again). */
export async function deleteTopics(conn: KafkaConnection, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await withAdmin(conn, async (admin) => {
    await admin.deleteTopics({ topics: names, timeout: 30_000 });
    // The controller has accepted the deletion; the broker answering metadata learns of it a moment later
    // (a listTopics right after the delete still listed the topic once, on a busy machine).
    let left = names;
    await waitFor(
      "the deleted topics to leave the metadata",
      async () => {
        const listed = new Set(await admin.listTopics());
        left = names.filter((n) => listed.has(n));
        return left.length === 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20, detail: () => `still listed: ${left.join(", ")}` },
    );
  });
}

export interface TopicDescription {
  name: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>;
  config: Record<string, string>;
}

export async function describeTopic(conn: KafkaConnection, name: string): Promise<TopicDescription> {
  return withAdmin(conn, async (admin) => {
    const md = await admin.fetchTopicMetadata({ topics: [name] });
    const t = md.topics[0]!;
    const cfg = await admin.describeConfigs({ resources: [{ type: 2 /* TOPIC */, name }], includeSynonyms: false });
    const config: Record<string, string> = {};
    for (const e of cfg.resources[0]?.configEntries ?? []) config[e.configName] = e.configValue;
    return {
      name,
      partitions: t.partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partition - b.partition),
      config,
    };
  });
}
