import { PerfLabError, TimeoutError } from "../errors";
import { connectionForChild, createTopic, deleteTopics, describeConnection, stopEmbeddedKafka, withAdmin, type EmbeddedKafka, type KafkaConnection } from "../kafka";
import {
  describeRabbit,
  rabbitConnection,
  rabbitConnectionFromEnv,
  rabbitForChild,
  RabbitAdmin,
  readRabbitState,
  signalRabbitNode,
  startEmbeddedRabbitMQ,
  startRabbitNode,
  stopEmbeddedRabbitMQ,
  stopRabbitNode,
  syncRabbitMetadata,
  type RabbitConnection,
} from "../rabbitmq";
import type { Manifest } from "../results/model";
import type { SeriesRow } from "../results/rows";
import type { RoleConfig } from "../roles/role-config";
import type { ExperimentSpec, ValidatedSpec } from "../spec";
import { monoMs } from "../metrics/clock";
import { isAlive } from "../util/process";
import { settleWithin, sleep } from "../util/timeout";
import { waitDrained } from "./drain";
import { queueLag } from "./broker-lag";
import { LagSampler, ProgressTraces } from "./lag-sampler";
import { waitQueueDrained } from "./drain-queue";
import type { FaultScheduler } from "./faults";
import type { RoleSet } from "./role-set";
import { checkReachable, reachableWithin, resolveKafka, type KafkaTarget, type TargetOptions } from "./target";

/** What a broker fault does to the broker with this id (the embedded Kafka cluster or RabbitMQ node). */
export interface FaultBrokers {
  stopBroker(id: number, opts: { hard?: boolean }): Promise<void>;
  /** `replaceRegistration`: the lab's own restart, not the experiment's (see StartBrokerOptions). */
  startBroker(id: number, opts?: { replaceRegistration?: boolean }): Promise<void>;
  pauseBroker(id: number): Promise<void>;
  resumeBroker(id: number): Promise<void>;
}

/**
 * The broker a run measures, behind what the runner asks of it: a destination per repetition (a topic,
 * or a queue), consumers joined, drained, broker faults, cleanup. Kafka and RabbitMQ implement it; the
 * repetition, configuration and engine code is the same for both.
 */
export interface Broker {
  readonly kind: "kafka" | "rabbitmq";
  /** This run started the broker (then it stops it afterwards). */
  readonly startedHere: boolean;
  /** The embedded Kafka cluster (null for RabbitMQ or an external cluster). */
  readonly cluster: EmbeddedKafka | null;
  /** Broker faults can act on it (an embedded broker), or null. */
  readonly faults: FaultBrokers | null;
  /** For messages: "Kafka at host:port", "RabbitMQ at amqp://…". */
  describe(): string;
  /** The manifest's `kafka` (null for RabbitMQ) and `broker` entries. */
  manifest(): Pick<Manifest, "kafka" | "broker">;
  /** The connection settings role processes get, and the env vars that carry credentials. */
  forChild(): { settings: RoleConfig["connection"]; env: Record<string, string> };
  checkReachable(): Promise<void>;
  reachableWithin(ms: number): Promise<boolean>;
  createDestination(name: string, spec: ExperimentSpec): Promise<void>;
  deleteDestinations(names: string[]): Promise<void>;
  /** Every consumer is a member (Kafka: the group is Stable with them; RabbitMQ: the queue has them). */
  waitConsumersJoined(name: string, groupId: string, members: number, timeoutMs: number): Promise<void>;
  waitDrained(roles: RoleSet, name: string, faults: FaultScheduler, stallMs: number, capMs: number): Promise<void>;
  /** Sample the broker's own figures of the destination while a repetition runs (Kafka: log end and lag; RabbitMQ: ready). */
  sample(name: string, opts: SampleOptions): { stop(): Promise<SeriesSample[]> };
  /** Stop an embedded broker this run started (unless kept), close connections. */
  close(keep: boolean): Promise<void>;
}

/** What broker sampling needs to know of the repetition. */
export interface SampleOptions {
  groupId: string;
  intervalMs: number;
  /** The repetition's origin (monoMs): sample times count from it. */
  originMs: number;
  roles: RoleSet;
}

/** One sample of a broker-side series, t in seconds from the repetition's start. */
export interface SeriesSample {
  t: number;
  values: Record<string, number>;
}

/** The spec's broker, resolved and started (embedded) as needed; not yet checked to answer. */
export async function resolveBroker(v: ValidatedSpec, opts: TargetOptions): Promise<Broker> {
  if (v.spec.broker === "rabbitmq") return resolveRabbit(v, opts);
  return new KafkaBroker(await resolveKafka(v, opts), opts.stateDir);
}

class KafkaBroker implements Broker {
  readonly kind = "kafka";
  constructor(
    private readonly t: KafkaTarget,
    private readonly stateDir: string | undefined,
  ) {}

  get startedHere(): boolean {
    return this.t.startedHere;
  }
  get cluster(): EmbeddedKafka | null {
    return this.t.cluster;
  }
  get faults(): FaultBrokers | null {
    return this.t.cluster;
  }
  get connection(): KafkaConnection {
    return this.t.connection;
  }
  describe(): string {
    return `Kafka at ${this.t.connection.bootstrap.join(",")}`;
  }
  manifest(): Pick<Manifest, "kafka" | "broker"> {
    return { kafka: describeConnection(this.t.connection) as Manifest["kafka"], broker: { kind: "kafka", address: this.t.connection.bootstrap.join(","), version: this.t.cluster?.kafkaVersion ?? null } };
  }
  forChild() {
    return connectionForChild(this.t.connection);
  }
  checkReachable(): Promise<void> {
    return checkReachable(this.t.connection);
  }
  /** An embedded cluster none of whose broker processes is alive (stopped from outside): gone, no need to let kafkajs retry. */
  private async embeddedGone(): Promise<boolean> {
    return !!this.t.cluster && (await this.t.cluster.status()).brokers.every((b) => b.state === "down");
  }
  async reachableWithin(ms: number): Promise<boolean> {
    return !(await this.embeddedGone()) && reachableWithin(this.t.connection, ms);
  }
  async createDestination(name: string, spec: ExperimentSpec): Promise<void> {
    // Measured: kafkajs retried the topic's creation for ~10 s against a cluster that had been stopped.
    if (await this.embeddedGone()) throw new PerfLabError("KAFKA_UNREACHABLE", `cannot reach ${this.describe()} (embedded): its broker processes have exited`);
    const config = { ...spec.topic.config, ...(spec.topic.minInsyncReplicas ? { "min.insync.replicas": spec.topic.minInsyncReplicas } : {}) };
    await createTopic(this.t.connection, { name, partitions: spec.topic.partitions, replicationFactor: spec.topic.replicationFactor, config });
  }
  deleteDestinations(names: string[]): Promise<void> {
    return deleteTopics(this.t.connection, names);
  }
  /** Wait until the consumer group is Stable with `members` members (all rebalances done). */
  async waitConsumersJoined(name: string, groupId: string, members: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    await withAdmin(this.t.connection, async (admin) => {
      // A new kafkajs admin knows no broker until it has fetched metadata: its first describeGroups finds the
      // broker pool empty, refreshes it and retries ~300 ms later (measured: 260–370 ms, then 3–5 ms a call).
      await admin.fetchTopicMetadata({ topics: [name] });
      for (;;) {
        const { groups } = await admin.describeGroups([groupId]);
        const g = groups[0];
        last = `${g?.state ?? "?"} with ${g?.members.length ?? 0} member(s)`;
        if (g && g.state === "Stable" && g.members.length === members) return;
        if (Date.now() > deadline) throw new TimeoutError(`consumer group ${groupId} to be Stable with ${members} members`, timeoutMs, `last seen ${last}`);
        await sleep(100);
      }
    });
  }
  waitDrained(roles: RoleSet, name: string, faults: FaultScheduler, stallMs: number, capMs: number): Promise<void> {
    return waitDrained(this.t.connection, roles, name, faults, stallMs, capMs);
  }
  /** The topic's log end and the group's lag (log end − the group's position), see broker-lag.ts. */
  sample(name: string, opts: SampleOptions): LagSampler {
    return new LagSampler(this.t.connection, { topic: name, ...opts });
  }
  async close(keep: boolean): Promise<void> {
    if (this.t.startedHere && !keep) await stopEmbeddedKafka({ stateDir: this.stateDir });
  }
}

async function resolveRabbit(v: ValidatedSpec, opts: TargetOptions): Promise<Broker> {
  const url = v.spec.rabbitmq.url;
  if (url) return new RabbitBroker(rabbitConnection(url, "spec"), false, null, opts.stateDir);
  const fromEnv = rabbitConnectionFromEnv();
  if (fromEnv) return new RabbitBroker(fromEnv, false, null, opts.stateDir);
  const existing = readRabbitState(opts.stateDir);
  const reuse = existing !== null && isAlive(existing.serverPid);
  if (!reuse) opts.log("starting embedded RabbitMQ …");
  const s = reuse ? existing : await startEmbeddedRabbitMQ({ stateDir: opts.stateDir, owner: process.pid, signal: opts.signal, log: opts.log });
  const conn = rabbitConnection(`amqp://127.0.0.1:${s.amqpPort}`, "embedded", {});
  return new RabbitBroker(conn, !reuse, s.version, opts.stateDir);
}

/** The node a RabbitMQ run measures: an embedded one (faults, queue series) or one given by URL. */
class RabbitBroker implements Broker {
  readonly kind = "rabbitmq";
  readonly cluster = null;
  readonly faults: FaultBrokers | null;
  private readonly admin: RabbitAdmin;

  constructor(
    readonly connection: RabbitConnection,
    readonly startedHere: boolean,
    private readonly version: string | null,
    private readonly stateDir: string | undefined,
  ) {
    this.admin = new RabbitAdmin(connection);
    const embedded = connection.source === "embedded";
    const dir = stateDir;
    this.faults = embedded
      ? {
          stopBroker: (_id, o) => stopRabbitNode({ stateDir: dir, hard: o.hard }),
          startBroker: () => startRabbitNode({ stateDir: dir }),
          pauseBroker: async () => signalRabbitNode("SIGSTOP", { stateDir: dir }),
          resumeBroker: async () => signalRabbitNode("SIGCONT", { stateDir: dir }),
        }
      : null;
  }

  describe(): string {
    return `RabbitMQ at ${describeRabbit(this.connection)}`;
  }
  manifest(): Pick<Manifest, "kafka" | "broker"> {
    return { kafka: null, broker: { kind: "rabbitmq", address: describeRabbit(this.connection), version: this.version } };
  }
  forChild() {
    return rabbitForChild(this.connection);
  }
  async checkReachable(): Promise<void> {
    await this.admin.depth("amq.perflab.none").catch((err: Error) => {
      // A missing queue answers NOT_FOUND: the node is there. Anything else (refused, auth) is the error.
      if (!/NOT_FOUND|404/.test(err?.message ?? "")) throw err;
    });
  }
  async reachableWithin(ms: number): Promise<boolean> {
    let ok = false;
    await settleWithin(
      this.checkReachable().then(() => void (ok = true)),
      ms,
    );
    return ok;
  }
  async createDestination(name: string, spec: ExperimentSpec): Promise<void> {
    await this.admin.declareQueue(name);
    // A node the run will stop or kill keeps the queue it is about to lose messages from (see syncRabbitMetadata).
    if (this.faults && spec.faults.some((f) => f.action === "kill-broker" || f.action === "stop-broker")) await syncRabbitMetadata({ stateDir: this.stateDir });
  }
  deleteDestinations(names: string[]): Promise<void> {
    return this.admin.deleteQueues(names);
  }
  async waitConsumersJoined(name: string, _groupId: string, members: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.admin.depth(name);
      if (d.consumers >= members) return;
      if (Date.now() > deadline) throw new TimeoutError(`queue ${name} to have ${members} consumers`, timeoutMs, `it has ${d.consumers}`);
      await sleep(50);
    }
  }
  waitDrained(roles: RoleSet, name: string, faults: FaultScheduler, stallMs: number, capMs: number): Promise<void> {
    return waitQueueDrained(() => this.admin.depth(name), roles, name, faults, stallMs, capMs);
  }
  /**
   * The queue's ready messages as RabbitMQ counts them, read over AMQP (a passive declare) — exact at the
   * instant it is asked, on any node. The management API's per-queue figures were measured seconds stale
   * under load here (they stood still while the queue drained), so they are not used. Messages delivered but
   * not acked are the consumers' own series (committedLag: delivered − acked; lag: delivered − processed).
   * `lag` here is ready + what the consumers hold unprocessed at that instant (see queueLag).
   */
  sample(name: string, opts: SampleOptions): { stop(): Promise<SeriesSample[]> } {
    const samples: SeriesSample[] = [];
    const t0 = opts.originMs;
    const held = new ProgressTraces(opts.roles, opts.originMs, (p) => ({ 0: p.buffered }));
    let busy = false;
    const take = () => {
      if (busy) return; // a slow answer (a paused node) is not queued up
      busy = true;
      const t = (monoMs() - t0) / 1000;
      this.admin
        .depth(name)
        .then((d) => void samples.push({ t, values: { ready: d.ready } }))
        .catch(() => undefined) // the node is down (a fault): no sample for this instant
        .finally(() => (busy = false));
    };
    const timer = setInterval(take, Math.max(opts.intervalMs, 100));
    take();
    return {
      stop: async () => {
        clearInterval(timer);
        const traces = held.stop();
        if (opts.roles.consumers.length === 0) return samples;
        const lag = queueLag(samples.map((x) => ({ t: x.t * 1000, ready: x.values.ready! })), traces);
        return samples.map((x, i) => ({ t: x.t, values: { ...x.values, lag: lag[i]! } }));
      },
    };
  }
  async close(keep: boolean): Promise<void> {
    await this.admin.close();
    if (this.startedHere && !keep) await stopEmbeddedRabbitMQ({ stateDir: this.stateDir });
  }
}

/** Broker-side samples as rows of the run's time series (kind and role "broker"; runs before 2026-12 wrote kind "queue"). */
export function brokerSeriesRows(configId: string, rep: number, samples: SeriesSample[]): SeriesRow[] {
  return samples.map((s) => ({ configId, rep, roleId: "broker", kind: "broker", t: +s.t.toFixed(3), ...s.values }) as SeriesRow);
}
