import { errorMessage, PerfLabError } from "../errors";
import { monoMs } from "../metrics/clock";
import { createHistogram, encodeHistogram } from "../metrics/histogram";
import { decodeReceipts } from "../metrics/journal";
import type { FaultRecord, RepState } from "../results/model";
import type { RoleRepResult } from "../results/role-result";
import type { Configuration } from "../spec";
import { abortable, sleep } from "../util/timeout";
import type { Broker, SeriesSample } from "./broker";
import { FaultScheduler } from "./faults";
import type { RepPlan } from "./plan";
import type { HandedIn, RoleHandle, RoleSet } from "./role-set";

export interface RepContext {
  runId: string;
  broker: Broker;
  config: Configuration;
  roles: RoleSet;
  signal: AbortSignal;
  onStage: (stage: string) => void;
}

export interface RepOutcome {
  state: RepState;
  error: PerfLabError | null;
  topic: string;
  /** What each role handed in (a killed consumer's result is rebuilt from its receipts). */
  handedIn: HandedIn[];
  /** Receipt journals of consumers that handed in no result, per role id. */
  orphanReceipts: Record<string, Buffer>;
  /** Start → last message processed (or last ack without consumers), from the roles' own clocks. */
  runMs: number | null;
  faults: FaultRecord[];
  startedAt: string;
  durationMs: number;
  /** The repetition's time origin on the runner's monotonic clock (series and records count from it). */
  originMs: number;
  /** The broker's own figures of the destination over the repetition (Kafka: log end and lag; RabbitMQ: ready). */
  brokerSeries: SeriesSample[];
}

export function topicFor(base: string, runId: string, configId: string, rep: number): string {
  return `${base}-${runId.slice(-6)}-${configId}-r${rep}`;
}

/**
 * One repetition: fresh topic and group, consumers assigned and the group stable, producers ready, then
 * start → producers finished → consumers drained → stop → results. Every wait has a timeout; a failing
 * role ends the repetition with an error naming it, and whatever the roles measured is still collected.
 */
export async function runRepetition(ctx: RepContext, plan: RepPlan): Promise<RepOutcome> {
  return new Repetition(ctx, plan).run();
}

class Repetition {
  private readonly topic: string;
  private readonly groupId: string;
  private readonly faults: FaultScheduler;
  private originMs = 0;
  private started = false;
  /** The roles were told about this repetition: only then do they have results of it to hand in. */
  private prepared = false;
  private error: PerfLabError | null = null;
  private sampler: { stop(): Promise<SeriesSample[]> } | null = null;

  constructor(
    private readonly ctx: RepContext,
    private readonly plan: RepPlan,
  ) {
    this.topic = topicFor(ctx.config.spec.topic.name!, ctx.runId, ctx.config.id, plan.number);
    this.groupId = `${this.topic}-group`;
    this.faults = new FaultScheduler(ctx.broker.faults, ctx.roles, plan.kind === "measured" ? ctx.config.spec.faults : [], () => this.addConsumer());
  }

  async run(): Promise<RepOutcome> {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    this.ctx.roles.resetProgress();
    try {
      await this.setUp();
      await this.produce();
      if (this.ctx.roles.consumers.length > 0) {
        this.ctx.onStage("draining");
        const t = this.ctx.config.spec.timeouts;
        await abortable(this.ctx.broker.waitDrained(this.ctx.roles, this.topic, this.faults, t.drainStallMs, t.runMs), this.ctx.signal);
      }
      this.checkLateProducerErrors();
    } catch (err) {
      this.error = err instanceof PerfLabError ? err : new PerfLabError("REP_FAILED", errorMessage(err), { cause: err });
    } finally {
      await this.faults.stop();
    }
    const brokerSeries = (await this.sampler?.stop()) ?? [];
    const { handedIn, orphanReceipts } = await this.collect();
    await this.faults.restore(); // brokers a fault stopped or paused come back before the next repetition
    this.checkSomethingAcked(handedIn.map((h) => h.result));
    const interrupted = this.ctx.signal.aborted;
    return {
      state: interrupted ? "interrupted" : this.error ? "errored" : "completed",
      error: interrupted ? null : this.error,
      topic: this.topic,
      handedIn,
      orphanReceipts,
      runMs: this.started ? runMsOf(handedIn.map((h) => h.result)) : null,
      faults: this.faults.records,
      startedAt,
      durationMs: performance.now() - t0,
      originMs: this.originMs,
      brokerSeries,
    };
  }

  private prepare(roles: RoleHandle[], withProfile: boolean): void {
    for (const r of roles) {
      const profiled = withProfile && this.plan.profile && this.plan.profileRoles.includes(r.kind);
      this.ctx.roles.send([r], { type: "prepare", rep: this.plan.number, repKind: this.plan.kind, topic: this.topic, groupId: r.kind === "consumer" ? this.groupId : null, profile: profiled ? this.plan.profile : null });
    }
  }

  private async setUp(): Promise<void> {
    const { roles, broker, signal, config } = this.ctx;
    const spec = config.spec;
    const t = spec.timeouts;
    this.ctx.onStage(broker.kind === "kafka" ? "creating topic" : "declaring queue");
    await broker.createDestination(this.topic, spec);
    this.prepare(roles.roles, true);
    this.prepared = true;
    this.ctx.onStage("waiting for consumers to join");
    await abortable(roles.waitAll(roles.consumers, "assigned", this.plan.number, t.readyMs, "to be assigned partitions"), signal);
    if (roles.consumers.length > 0) await abortable(broker.waitConsumersJoined(this.topic, this.groupId, roles.consumers.length, t.readyMs), signal);
    await abortable(roles.waitAll(roles.producers, "ready", this.plan.number, t.readyMs, "to connect"), signal);
  }

  private async produce(): Promise<void> {
    const { roles, signal } = this.ctx;
    this.ctx.onStage("running");
    this.originMs = monoMs();
    this.started = true;
    this.sampler = this.ctx.broker.sample(this.topic, { groupId: this.groupId, intervalMs: this.ctx.config.spec.record.intervalMs, originMs: this.originMs, roles: this.ctx.roles });
    roles.send(roles.roles, { type: "start", rep: this.plan.number, originMs: this.originMs });
    this.faults.start(this.originMs);
    await abortable(roles.waitAll(roles.producers, "finished", this.plan.number, this.ctx.config.spec.timeouts.runMs, "to finish producing", () => this.faults.failIfRoleCrashed()), signal);
  }

  private checkLateProducerErrors(): void {
    const late = this.ctx.roles.producers.flatMap((r) => r.errors.filter((e) => e.rep === this.plan.number).map((e) => ({ e, r })));
    if (late.length) this.error = new PerfLabError("ROLE_ERROR", `${late[0]!.e.message} (${late[0]!.r.roleId})`);
  }

  /** A fault adds a consumer: it joins the running repetition (a rebalance). */
  private async addConsumer(): Promise<string> {
    const roles = this.ctx.roles;
    const template = roles.consumers[0]?.config;
    if (!template) throw new PerfLabError("FAULT_TARGET", "add-consumer needs at least one consumer to copy");
    const index = roles.consumers.length;
    const roleId = `consumer-${index}`;
    const h = await roles.add({ ...template, index, roleId, workDir: template.workDir.replace(/consumer-\d+$/, roleId), clientLogFile: template.clientLogFile.replace(template.roleId, roleId) });
    this.prepare([h], false);
    await roles.waitAll([h], "assigned", this.plan.number, this.ctx.config.spec.timeouts.readyMs, "to be assigned partitions");
    roles.send([h], { type: "start", rep: this.plan.number, originMs: this.originMs });
    return h.roleId;
  }

  /** Stop and collect — also after a failure, so what was measured is kept. */
  private async collect(): Promise<{ handedIn: HandedIn[]; orphanReceipts: Record<string, Buffer> }> {
    const { roles, config } = this.ctx;
    const rep = this.plan.number;
    this.ctx.onStage("collecting");
    // Set-up failed before the roles heard of this repetition (its topic could not be created: Kafka gone, say):
    // none of them will hand anything in, and waiting timeouts.stopMs (a minute by default) for it only delays the run.
    if (!this.prepared) return { handedIn: [], orphanReceipts: {} };
    const alive = roles.roles.filter((r) => !r.exited && !this.faults.killed.has(r.roleId));
    roles.send(alive, { type: "stop", rep });
    try {
      await roles.waitAll(alive, "result", rep, config.spec.timeouts.stopMs, "to hand in its results");
    } catch (err) {
      this.error ??= err instanceof PerfLabError ? err : new PerfLabError("COLLECT_FAILED", errorMessage(err));
    }
    await sleep(0); // receipts and results that arrived with the last events are in
    const handedIn = roles.roles.map((r) => r.results.get(rep)).filter((x): x is HandedIn => !!x);
    const orphanReceipts: Record<string, Buffer> = {};
    // Consumers that handed in nothing (killed by a fault, or hung and killed after stopMs) still sent their
    // receipt journals: what they received stays in the accounting.
    for (const r of roles.consumers) {
      if (handedIn.some((x) => x.result.roleId === r.roleId)) continue;
      const chunks = r.receipts.get(rep);
      if (!chunks?.length) continue;
      orphanReceipts[r.roleId] = Buffer.concat(chunks);
      handedIn.push({ result: killedConsumerResult(r, config.id, this.plan, orphanReceipts[r.roleId]!, this.faults.killed.has(r.roleId)), attachments: {} });
    }
    const roleError = handedIn.map((h) => h.result).find((r) => r.state === "errored" && r.error);
    if (!this.error && roleError) this.error = new PerfLabError("ROLE_ERROR", `${roleError.roleId}: ${roleError.error!.message}`);
    return { handedIn, orphanReceipts };
  }

  private checkSomethingAcked(results: RoleRepResult[]): void {
    const producers = results.flatMap((r) => r.producers);
    const sent = producers.reduce((n, p) => n + p.counters.sent, 0);
    if (!this.error && sent > 0 && producers.every((p) => p.counters.acked === 0)) {
      const kinds = [...new Set(producers.flatMap((p) => Object.keys(p.errors)))].join(", ");
      this.error = new PerfLabError("NOTHING_ACKED", `none of the ${sent} messages sent was acknowledged (${kinds || "no error reported"}); see the client logs in the run's logs/ folder`);
    }
  }
}

function killedConsumerResult(r: RoleHandle, configId: string, plan: RepPlan, receipts: Buffer, byFault: boolean): RoleRepResult {
  const { idCounts, receipts: n } = decodeReceipts(receipts);
  const idCarrier = r.config.consumer?.idCarrier ?? "offsets";
  const empty = encodeHistogram(createHistogram({ wasm: false }));
  const noSeries = { intervalMs: 1000, buckets: 0, counters: {}, gauges: {} };
  return {
    version: 2,
    roleId: r.roleId,
    kind: "consumer",
    index: r.index,
    pid: r.child.pid ?? 0,
    configId,
    rep: plan.number,
    repKind: plan.kind,
    state: byFault ? "killed" : "errored",
    error: { code: "KILLED", message: `${r.roleId} ${byFault ? "was killed by a fault" : "handed in no results"}; its receipts come from its journal` },
    producers: [],
    consumers: [
      {
        kind: "consumer",
        idCarrier,
        counters: { received: n, bytesReceived: 0, duplicatesSeen: 0, untracked: 0, processingErrors: 0, commits: 0, flushes: 0, rebalances: 0, maxRequestQueueSize: 0 },
        loopMs: null,
        firstReceiveAtMs: null,
        lastProcessedAtMs: null,
        groupJoinMs: [],
        positions: {},
        histograms: { e2eLatencyUs: empty, e2eCreateTimeUs: empty, processingUs: empty, requestLatencyUs: empty },
        series: noSeries,
        accounting: { received: Object.fromEntries([...idCounts].map(([p, c]) => [String(p), c.encode()])), untracked: 0 },
        // Its receipts' offsets are in its journal (the orphan receipts of the repetition), without times.
        offsets: { count: 0, columns: ["receiveMs"] },
        errors: {},
        raw: null,
      },
    ],
    process: { cpuUserMs: 0, cpuSystemMs: 0, maxRssBytes: 0, maxHeapUsedBytes: 0, eventLoopDelayMs: { mean: 0, p50: 0, p99: 0, max: 0 }, series: noSeries },
    profile: null,
  };
}

function runMsOf(results: RoleRepResult[]): number | null {
  const consumers = results.flatMap((r) => r.consumers);
  const ends = consumers.length ? consumers.map((c) => c.lastProcessedAtMs) : results.flatMap((r) => r.producers.map((p) => p.lastAckAtMs));
  const vals = ends.filter((x): x is number => x !== null);
  return vals.length ? Math.max(...vals) : null;
}
