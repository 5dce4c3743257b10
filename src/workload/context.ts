import type { KafkaConnection } from "../kafka/connection";
import type { RabbitConnection } from "../rabbitmq/connection";
import type { JournalSink } from "../metrics/journal";
import type { IdCarrier } from "../results/role-result";

/**
 * When code runs as a measured role of an experiment, the role process publishes this context on a
 * global symbol. Instrumented producers and consumers created anywhere in the process (the lab's built-in
 * roles or a user's own script importing "kafka-perf-lab") find it and report their metrics to the run —
 * also when the user's module loaded a second copy of the lab (src/ under tsx next to dist/).
 */
export interface RoleContext {
  roleId: string;
  kind: "producer" | "consumer";
  /** 0-based index among the roles of its kind. */
  index: number;
  runId: string;
  configId: string;
  /** Repetition number (1-based) and its kind. */
  rep: number;
  topic: string;
  groupId: string | null;
  /** The Kafka cluster of a Kafka run (in a RabbitMQ run, reading it throws: use `rabbitmq`). */
  connection: KafkaConnection;
  /** The RabbitMQ node of a RabbitMQ run (null in a Kafka run). */
  rabbitmq: RabbitConnection | null;
  /** Messages each producer sends (null when the workload has a duration instead). */
  messages: number | null;
  durationSec: number | null;
  /** Time origin of this repetition's series: `monoMs()` of this process's clock at the repetition's start. */
  originMs: number;
  /** This process's monotonic clock minus the runner's (0 on the runner's host). */
  clockOffsetMs: number;
  /** How this run's producers identify messages (offsets, header or trailer). */
  idCarrier: IdCarrier;
  /** Aborted when the runner asks the role to stop. */
  signal: AbortSignal;
  /** Producer indices of this role start here (ids must be unique across all producers of a run). */
  producerIndexBase: number;
  recordRaw: boolean;
  /** Where instrumented consumers send their receipt journal in this repetition (to the runner). */
  journal: JournalSink | null;
  /** Time-series bucket length (ms) of this run. */
  seriesIntervalMs: number;
  /** A scratch folder of this role in the run directory (sinks write their files here). */
  workDir: string;
  /** Called by instrumented producers/consumers so the role collects their metrics. */
  register(entry: RegisteredClient): void;
  /** Next free producer index in this role. */
  allocateProducerIndex(): number;
  log(line: string): void;
}

export interface RegisteredClient {
  kind: "producer" | "consumer";
  snapshot: () => unknown;
  /** Binary records handed in beside the snapshot (offset records). */
  attachments?: () => Record<string, Uint8Array>;
  destroy: () => void;
  waitForAssignment?: (timeoutMs: number) => Promise<Record<string, number[]>>;
}

const KEY = Symbol.for("kafka-perf-lab.roleContext");

/** The context of the role this process runs, or null outside a measured run. */
export function roleContext(): RoleContext | null {
  return ((globalThis as Record<symbol, unknown>)[KEY] as RoleContext | undefined) ?? null;
}

export function setRoleContext(ctx: RoleContext | null): void {
  (globalThis as Record<symbol, unknown>)[KEY] = ctx ?? undefined;
}
