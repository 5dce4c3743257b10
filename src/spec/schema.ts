import { z } from "zod";

/**
 * The experiment spec: one zod schema with every default in one place. Unknown keys are errors
 * (`.strict()`), so a typo never silently falls back to a default. Pure: no files, no network.
 * Checks that span fields (replicas vs brokers, files that must exist, …) are in `validate.ts`.
 */

const int = () => z.number({ invalid_type_error: "must be a number" }).int("must be a whole number");
const name = z.string().regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"').min(1).max(100);

const acks = z.preprocess(
  (v) => (v === "all" ? -1 : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number({ invalid_type_error: 'must be -1 (or "all"), 0 or 1' }).refine((v) => v === -1 || v === 0 || v === 1, { message: 'must be -1 (or "all"), 0 or 1' }),
) as unknown as z.ZodType<-1 | 0 | 1, z.ZodTypeDef, unknown>;

const SaslSchema = z
  .object({
    mechanism: z.string(),
    username: z.string().optional(),
    password: z.string().optional(),
    usernameEnv: z.string().optional(),
    passwordEnv: z.string().optional(),
  })
  .strict();

export const KafkaSchema = z
  .object({
    embedded: z
      .object({
        brokers: int().min(1, "must be from 1 to 3").max(3, "must be from 1 to 3").default(1),
        brokerConfig: z.record(z.union([z.string(), z.number(), z.boolean()])).default({}),
      })
      .strict()
      .optional(),
    external: z
      .object({
        bootstrap: z.union([z.string(), z.array(z.string()).min(1)]),
        securityProtocol: z.enum(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]).optional(),
        sasl: SaslSchema.optional(),
        ssl: z.union([z.boolean(), z.object({ ca: z.string().optional(), rejectUnauthorized: z.boolean().optional() }).strict()]).optional(),
      })
      .strict()
      .optional(),
    /** A Kafka config file (YAML/JSON or client .properties), relative to the spec file. */
    configFile: z.string().optional(),
  })
  .strict();

export const RabbitSchema = z
  .object({
    /** An external node: amqp://host[:port][/vhost] or amqps://… (password in PERFLAB_RABBITMQ_PASSWORD); default: the embedded node. */
    url: z.string().optional(),
  })
  .strict();

export const TopicSchema = z
  .object({
    /** Base name; every repetition gets a fresh topic `<name>-<run>-<config>-r<rep>`. */
    name: name.optional(),
    partitions: int().min(1, "must be at least 1").max(10_000).default(3),
    replicationFactor: int().min(1, "must be at least 1").max(3, "must be at most 3").default(1),
    minInsyncReplicas: int().min(1, "must be at least 1").optional(),
    config: z.record(z.union([z.string(), z.number()])).default({}),
    /** Keep the per-repetition topics after the run (default: deleted). */
    keep: z.boolean().default(false),
  })
  .strict();

export const WorkloadSchema = z
  .object({
    /** Messages per producer (default 10000 when neither messages nor durationSec is given). */
    messages: int().min(1, "must be at least 1").optional(),
    durationSec: z.number().positive("must be positive").max(86_400).optional(),
    messageSize: int().min(0, "must be ≥ 0").max(10 * 1024 * 1024, "must be at most 10 MiB").default(100),
    payload: z.enum(["random", "text", "json", "zeros"]).default("random"),
    /** Target rate per producer in messages/s; 0 = as fast as possible. */
    rate: z.number().min(0, "must be ≥ 0 (0 = unthrottled)").default(0),
    keys: z.enum(["none", "random", "round-robin", "fixed"]).default("none"),
    keyCount: int().min(1).default(16),
    seed: int().default(42),
  })
  .strict();

export const ProducersSchema = z
  .object({
    count: int().min(1, "must be at least 1").max(64, "must be at most 64").default(1),
    acks: acks.default(-1),
    /** Messages per batch (kafkajs `sendBatch`), like Kafka's batch.size but counted in messages. */
    batchSize: int().min(1, "must be at least 1").default(100),
    batchBytes: int().min(1).default(1024 * 1024),
    lingerMs: z.number().min(0, "must be ≥ 0").default(0),
    compression: z.enum(["none", "gzip", "snappy", "lz4", "zstd"]).default("none"),
    idempotent: z.boolean().default(false),
    maxInFlightRequests: int().min(1).optional(),
    maxBufferedMessages: int().min(1).optional(),
    /**
     * How messages are identified for accounting and end-to-end latency: "offsets" (the broker's offsets:
     * nothing added to the messages; the default with acks 1 and -1), "header" (a 16-byte record header;
     * the default with acks 0, which returns no offsets), "trailer" (24 bytes appended to the value) or
     * "content" (a producers.script sending with its own client, audited by content with producerAudit()).
     */
    idCarrier: z.enum(["offsets", "header", "trailer", "content"]).optional(),
    /** The client the producers drive: kafkajs or platformatic (Kafka), amqplib (RabbitMQ; its default there). */
    client: z.enum(["kafkajs", "platformatic", "amqplib"]).default("kafkajs"),
    /** Your message source module (exports `source`): relative to the spec file. */
    source: z.string().optional(),
    /** A whole script of yours run as the producer role (exports `main(ctx)`). */
    script: z.string().optional(),
  })
  .strict();

export const ConsumersSchema = z
  .object({
    count: int().min(0, "must be ≥ 0").max(64, "must be at most 64").default(1),
    /** The client the consumers drive: kafkajs or platformatic (Kafka), amqplib (RabbitMQ; its default there). */
    client: z.enum(["kafkajs", "platformatic", "amqplib"]).default("kafkajs"),
    mode: z.enum(["eachMessage", "eachBatch"]).default("eachMessage"),
    processing: z
      .object({
        kind: z.enum(["none", "cpu", "sleep"]).default("none"),
        cpuUs: z.number().min(0).default(0),
        sleepMs: z.number().min(0).default(0),
      })
      .strict()
      .default({}),
    /** Your handler module (exports `handle(message)`; optional `init`, `flush`, `close`): relative to the spec file. */
    handler: z.string().optional(),
    script: z.string().optional(),
    commit: z.enum(["auto", "per-message", "after-flush"]).default("auto"),
    flushIntervalMs: int().min(10).default(2000),
    autoCommitIntervalMs: int().min(1).default(5000),
    onError: z.enum(["continue", "stop"]).default("continue"),
    /** RabbitMQ: unacknowledged deliveries per consumer (basic.qos); 0 = no limit (the broker pushes everything). */
    prefetch: int().min(0, "must be ≥ 0 (0 = no limit)").max(65_535, "must be at most 65535").default(100),
    /** RabbitMQ: the broker acks each message as it delivers it (at most once); default: manual acks after processing. */
    autoAck: z.boolean().default(false),
  })
  .strict();

export const ProfileSchema = z
  .object({
    cpu: z.boolean().default(false),
    calls: z.boolean().default(false),
    heap: z.boolean().default(false),
    flamegraph: z.boolean().default(false),
    roles: z.array(z.enum(["producer", "consumer"])).min(1).default(["producer", "consumer"]),
    samplingIntervalUs: int().min(10, "must be at least 10 µs").max(1_000_000).default(200),
    heapSamplingBytes: int().min(64).default(32_768),
  })
  .strict();

export const FaultSchema = z
  .object({
    /** Seconds from the start of each measured repetition. */
    at: z.number().min(0, "must be ≥ 0"),
    action: z.enum(["stop-broker", "kill-broker", "start-broker", "pause-broker", "resume-broker", "kill-consumer", "add-consumer"]),
    broker: int().min(1).max(3).optional(),
    consumer: int().min(0).optional(),
  })
  .strict();

export const TimeoutsSchema = z
  .object({
    /** Role processes connected and ready (producers) / assigned (consumers). */
    readyMs: int().min(100).default(90_000),
    /** Producers finished. */
    runMs: int().min(100).default(600_000),
    /** Consumers stalled: no consumer made progress for this long while messages are left (the drain wait ends). */
    drainStallMs: int().min(100).default(60_000),
    /** Roles written their results after stop. */
    stopMs: int().min(100).default(60_000),
  })
  .strict();

export const QuickSchema = z
  .object({
    messages: int().min(1).optional(),
    durationSec: z.number().positive().optional(),
    repetitions: int().min(1).optional(),
    warmup: int().min(0).optional(),
  })
  .strict();

export const SpecSchema = z
  .object({
    name,
    description: z.string().optional(),
    /** The broker measured: Kafka, or RabbitMQ (a durable queue per repetition in place of the topic). */
    broker: z.enum(["kafka", "rabbitmq"]).default("kafka"),
    kafka: KafkaSchema.default({}),
    rabbitmq: RabbitSchema.default({}),
    topic: TopicSchema.default({}),
    workload: WorkloadSchema.default({}),
    producers: ProducersSchema.default({}),
    consumers: ConsumersSchema.default({}),
    repetitions: int().min(1, "must be at least 1").max(1000).default(5),
    warmup: int().min(0, "must be ≥ 0").max(100).default(1),
    /** Spec paths → lists of values; the run covers their cartesian product. */
    matrix: z.record(z.array(z.unknown()).min(1, "needs at least one value")).default({}),
    /** Named sets of spec-path overrides (e.g. naive vs improved sink); each is combined with every matrix point. */
    variants: z.record(z.record(z.unknown())).default({}),
    profile: ProfileSchema.default({}),
    faults: z.array(FaultSchema).default([]),
    timeouts: TimeoutsSchema.default({}),
    record: z
      .object({
        rawSamples: z.boolean().default(false),
        /** Length of a time-series bucket (ms): counters are reported per second, sampled at this pace. */
        intervalMs: int().min(50, "must be at least 50 ms").max(60_000).default(250),
      })
      .strict()
      .default({}),
    /** What `--quick` shrinks to (defaults: 2000 messages, 3 s, 3 repetitions, no warm-up). */
    quick: QuickSchema.optional(),
  })
  .strict();

/** A spec as written (before defaults). */
export type SpecInput = z.input<typeof SpecSchema>;
/** A spec after defaults: every field present. */
export type ExperimentSpec = z.output<typeof SpecSchema>;
export type Fault = z.output<typeof FaultSchema>;
export type ProfileSpec = z.output<typeof ProfileSchema>;

/** Matrix keys the runner knows how to vary (scalar fields of the spec). */
export const MATRIX_KEYS: readonly string[] = [
  "topic.name",
  "topic.partitions",
  "topic.replicationFactor",
  "topic.minInsyncReplicas",
  "workload.messages",
  "workload.durationSec",
  "workload.messageSize",
  "workload.payload",
  "workload.rate",
  "workload.keys",
  "producers.count",
  "producers.acks",
  "producers.batchSize",
  "producers.batchBytes",
  "producers.lingerMs",
  "producers.compression",
  "producers.idempotent",
  "producers.maxInFlightRequests",
  "producers.idCarrier",
  "producers.client",
  "producers.source",
  "producers.script",
  "consumers.count",
  "consumers.client",
  "consumers.mode",
  "consumers.processing.kind",
  "consumers.processing.cpuUs",
  "consumers.processing.sleepMs",
  "consumers.handler",
  "consumers.script",
  "consumers.commit",
  "consumers.flushIntervalMs",
  "consumers.prefetch",
  "consumers.autoAck",
];
