import { errorMessage } from "../errors";
import { checkFlamegraph, zeroXLauncher } from "../profiling/zerox";
import type { RunLayout } from "../results/files";
import type { ProfileRecord, RepRecord } from "../results/model";
import type { RoleRepResult } from "../results/role-result";
import { pooledHistograms, repRow, seriesRows, type RepRow } from "../results/rows";
import { isCold } from "../results/warm";
import type { ControlServer } from "../roles/control";
import type { RoleConfig } from "../roles/role-config";
import type { Configuration } from "../spec";
import type { EventBus } from "../util/events";
import { formatNumber } from "../util/format";
import { collectorCost } from "./collector-cost";
import type { RunEvents } from "./events";
import type { RepPlan, RoleMode } from "./plan";
import { joinRepetition } from "./offset-join";
import { runRepetition, type RepOutcome } from "./repetition";
import { buildRoleConfigs } from "./role-configs";
import { RoleFailure, RoleSet } from "./role-set";
import { brokerSeriesRows, type Broker } from "./broker";

export type ConfigOutcome = "ok" | "fatal";

/** What a configuration run needs from its experiment run. */
export interface ConfigurationContext {
  runId: string;
  layout: RunLayout;
  profilesDir: string;
  broker: Broker;
  control: ControlServer;
  events: EventBus<RunEvents>;
  signal: AbortSignal;
  configIndex: number;
  configCount: number;
  totalReps: number;
  /** Repetitions done so far in the whole run (shared, for progress). */
  done: { reps: number };
}

/**
 * The repetitions of one configuration, in their plan's order, in role processes that live across
 * repetitions (so rep 1 is cold and the others warm); collector repetitions that need fresh processes
 * (calls, flamegraph) get their own. Returns "fatal" when the run must end (a user mistake, Kafka gone).
 */
export class ConfigurationRun {
  readonly rows: RepRow[] = [];
  private roles: RoleSet | null = null;
  private mode: RoleMode = "normal";
  private readonly roleConfigs: RoleConfig[];
  private readonly warmResults: RoleRepResult[][] = [];
  private coldResults: RoleRepResult[] | null = null;
  private flamePlan: RepPlan | null = null;
  private readonly topics: string[] = [];
  /** The broker stopped answering during this configuration (the run ends). */
  private brokerGone = false;

  constructor(
    private readonly config: Configuration,
    private readonly plans: RepPlan[],
    private readonly c: ConfigurationContext,
  ) {
    this.roleConfigs = buildRoleConfigs(config, c.runId, c.layout, c.broker.forChild().settings);
  }

  async run(): Promise<ConfigOutcome> {
    this.c.events.emit("configuration:start", { config: this.config, index: this.c.configIndex, count: this.c.configCount });
    try {
      for (const plan of this.plans) {
        if (this.c.signal.aborted) break;
        const roles = await this.rolesFor(plan);
        if (roles === "fatal") return "fatal";
        if (roles === null) continue;
        if ((await this.repetition(plan, roles)) === "fatal") return "fatal";
      }
      // Without a completed warm repetition, pool the cold one so latency figures exist at all.
      if (this.warmResults.length === 0 && this.coldResults) this.c.events.emit("configuration:histograms", { configId: this.config.id, pooled: pooledHistograms([this.coldResults]) });
      return "ok";
    } finally {
      await this.finish();
    }
  }

  /** The role processes for a plan: the current set, or a fresh one (changed set, other mode, a dead role). */
  private async rolesFor(plan: RepPlan): Promise<RoleSet | null | "fatal"> {
    if (this.roles && (this.mode !== plan.roleMode || this.roles.changed || this.roles.unexpectedExits().length > 0)) await this.closeRoles();
    if (this.roles) return this.roles;
    if (plan.roleMode === "flamegraph") this.flamePlan = plan;
    try {
      this.roles = await RoleSet.spawn({
        control: this.c.control,
        configs: this.roleConfigs,
        logFile: (cfg) => this.c.layout.roleLog(cfg.configId, cfg.roleId),
        env: this.c.broker.forChild().env,
        launcher: plan.roleMode === "flamegraph" ? zeroXLauncher(this.c.profilesDir, plan.profileRoles, plan.number) : undefined,
        preciseCoverage: plan.roleMode === "calls" ? (cfg) => plan.profileRoles.includes(cfg.kind) : undefined,
        helloTimeoutMs: this.config.spec.timeouts.readyMs,
      });
      this.mode = plan.roleMode;
      return this.roles;
    } catch (err) {
      // The roles did not start (a crashing module, a failing 0x): this repetition failed; keep going.
      this.recordFailed(plan, err);
      return err instanceof RoleFailure && err.fatalInput ? "fatal" : null;
    }
  }

  private async repetition(plan: RepPlan, roles: RoleSet): Promise<ConfigOutcome> {
    this.c.events.emit("repetition:start", { configId: this.config.id, label: this.config.label, plan, repCount: this.plans.length });
    const ticker = new ProgressTicker(this, plan, roles);
    const outcome = await runRepetition(
      { runId: this.c.runId, broker: this.c.broker, config: this.config, roles, signal: this.c.signal, onStage: (s) => ticker.stage(s) },
      plan,
    ).finally(() => ticker.stop());
    this.topics.push(outcome.topic);
    this.record(plan, outcome);
    if (outcome.error instanceof RoleFailure && outcome.error.fatalInput) return "fatal";
    // Kafka gone (a cluster stopped from outside, a dropped network): end the run now rather than fail
    // every remaining repetition slowly, one client timeout after another.
    if (outcome.state === "errored" && !this.c.signal.aborted && !(await this.c.broker.reachableWithin(15_000))) {
      this.c.events.emit("warning", { message: `${this.c.broker.describe()} is no longer reachable: ending the run, keeping what was measured` });
      this.brokerGone = true;
      return "fatal";
    }
    return "ok";
  }

  private record(plan: RepPlan, outcome: RepOutcome): void {
    this.c.done.reps++;
    const spec = this.config.spec;
    const join = joinRepetition(outcome.handedIn, outcome.orphanReceipts, spec.producers.idCarrier!, spec.record.rawSamples);
    const results = outcome.handedIn.map((h) => h.result);
    const row = repRow({ configId: this.config.id, label: this.config.label, rep: plan.number, kind: plan.kind, state: outcome.state, error: outcome.error?.message ?? null, runMs: outcome.runMs, results, accounting: join?.accounting ?? undefined, brokerMaxLag: maxOf(outcome.brokerSeries, "lag") });
    const record: RepRecord = { configId: this.config.id, rep: plan.number, kind: plan.kind, state: outcome.state, error: row.error, topic: outcome.topic, startedAt: outcome.startedAt, durationMs: Math.round(outcome.durationMs), faults: outcome.faults };
    if (join) record.joinMs = +join.joinMs.toFixed(2);
    if (join?.crossCheck) record.crossCheck = join.crossCheck;
    if (join?.lostSendMs.length) record.lostSendAtMs = join.lostSendMs.map((ms) => +(ms - outcome.originMs).toFixed(1));
    this.rows.push(row);
    this.c.events.emit("repetition:end", { record, row, series: [...seriesRows(this.config.id, plan.number, results), ...brokerSeriesRows(this.config.id, plan.number, outcome.brokerSeries)], handedIn: outcome.handedIn, orphanReceipts: outcome.orphanReceipts, line: this.line(plan, row) });
    if (plan.kind === "measured" && outcome.state === "completed" && !isCold({ rep: plan.number })) {
      this.warmResults.push(results);
      this.c.events.emit("configuration:histograms", { configId: this.config.id, pooled: pooledHistograms(this.warmResults) });
    } else if (isCold({ rep: plan.number }) && outcome.state === "completed") {
      this.coldResults = results;
    }
  }

  private recordFailed(plan: RepPlan, err: unknown): void {
    this.c.done.reps++;
    const message = errorMessage(err);
    const row = repRow({ configId: this.config.id, label: this.config.label, rep: plan.number, kind: plan.kind, state: "errored", error: message, runMs: null, results: [] });
    this.rows.push(row);
    const record: RepRecord = { configId: this.config.id, rep: plan.number, kind: plan.kind, state: "errored", error: message, topic: "", startedAt: new Date().toISOString(), durationMs: 0, faults: [] };
    this.c.events.emit("repetition:end", { record, row, series: [], handedIn: [], orphanReceipts: {}, line: this.line(plan, row) });
  }

  private line(plan: RepPlan, row: RepRow): string {
    const loop = row.producerLoopMs !== null ? `producer loop ${row.producerLoopMs.toFixed(1)} ms` : "no producer loop";
    const thr = row.produceThroughputMsgsPerSec !== null ? `, ${formatNumber(row.produceThroughputMsgsPerSec)} msg/s` : "";
    const acc = `acked ${row.acked}/${row.produced}, consumed ${row.consumed}, dup ${row.duplicates}, lost ${row.lost}`;
    const state = row.state === "completed" ? "" : ` — ${row.state.toUpperCase()}${row.error ? `: ${row.error}` : ""}`;
    return `[${this.c.configIndex}/${this.c.configCount}] ${this.config.label} · rep ${plan.number} (${plan.kind}${row.cold ? ", cold" : ""}): ${loop}${thr} · ${acc}${state}`;
  }

  /** 0x writes its flamegraph after the profiled role exits: give it time (its logs can be large). */
  private async closeRoles(): Promise<void> {
    if (!this.roles) return;
    await this.roles.close(this.mode === "flamegraph" ? 180_000 : 15_000);
    this.roles = null;
  }

  private async finish(): Promise<void> {
    await this.closeRoles();
    if (this.flamePlan) this.recordFlamegraphs(this.flamePlan);
    this.c.events.emit("configuration:end", { configId: this.config.id, collectorCost: collectorCost(this.rows, this.config.spec) });
    // Topics go only after the roles are gone: kafkajs keeps refreshing metadata of every topic it has
    // used, and a deleted one makes those refreshes fail for the next repetition's topic too.
    const topics = this.topics.filter(Boolean);
    if (this.config.spec.topic.keep || !topics.length) return;
    // Kafka gone: deleting would only retry against it (~8 s) to fail with the same error.
    if (this.brokerGone) this.c.events.emit("warning", { message: `the topics of ${this.config.id} are left on ${this.c.broker.describe()} (it no longer answers)` });
    else await this.c.broker.deleteDestinations(topics).catch((err) => this.c.events.emit("warning", { message: `could not delete topics of ${this.config.id}: ${errorMessage(err)}` }));
  }

  private recordFlamegraphs(plan: RepPlan): void {
    const records: ProfileRecord[] = this.roleConfigs
      .filter((r) => plan.profileRoles.includes(r.kind))
      .map((r) => {
        const { file, error } = checkFlamegraph(this.c.profilesDir, r.roleId, this.config.id, plan.number);
        return { configId: this.config.id, rep: plan.number, kind: "flamegraph", roleId: r.roleId, files: file ? { flamegraph: file } : {}, errors: error ? [error] : [] };
      });
    this.c.events.emit("configuration:profiles", { records });
  }

  get label(): string {
    return this.config.label;
  }

  get expected(): number | null {
    const w = this.config.spec.workload;
    return w.messages ? w.messages * this.config.spec.producers.count : null;
  }

  get repCount(): number {
    return this.plans.length;
  }

  get context(): ConfigurationContext {
    return this.c;
  }
}

/** The highest value of one broker-side column, or null when no sample has it. */
function maxOf(samples: RepOutcome["brokerSeries"], column: string): number | null {
  const values = samples.map((s) => s.values[column]).filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : null;
}

/** Emits repetition:progress four times a second (and on each stage change) while a repetition runs. */
class ProgressTicker {
  private current = "preparing";
  private lastAcked = 0;
  private lastTick = Date.now();
  private rate = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly run: ConfigurationRun,
    private readonly plan: RepPlan,
    private readonly roles: RoleSet,
  ) {
    this.timer = setInterval(() => this.emit(), 250);
  }

  stage(s: string): void {
    this.current = s;
    this.emit();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private emit(): void {
    const c = this.run.context;
    const acked = this.roles.producers.reduce((s, r) => s + r.progress.acked, 0);
    const now = Date.now();
    if (now - this.lastTick >= 1000) {
      this.rate = ((acked - this.lastAcked) * 1000) / (now - this.lastTick);
      this.lastAcked = acked;
      this.lastTick = now;
    }
    c.events.emit("repetition:progress", {
      configIndex: c.configIndex,
      configCount: c.configCount,
      configLabel: this.run.label,
      rep: this.plan.number,
      repCount: this.run.repCount,
      repKind: this.plan.kind,
      stage: this.current,
      acked,
      expected: this.run.expected,
      received: this.roles.consumers.reduce((s, r) => s + r.progress.received, 0),
      rateMsgsPerSec: this.rate,
      doneReps: c.done.reps,
      totalReps: c.totalReps,
    });
  }
}
