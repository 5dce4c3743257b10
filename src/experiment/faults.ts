import { errorMessage, PerfLabError } from "../errors";
import type { FaultBrokers } from "./broker";
import { monoMs } from "../metrics/clock";
import type { FaultRecord } from "../results/model";
import type { Fault } from "../spec";
import type { RoleSet } from "./role-set";

/**
 * Executes a repetition's fault timeline (stop / kill / start / pause / resume a broker, kill a consumer)
 * at its planned times, records when each actually happened, and afterwards restores brokers a fault
 * left stopped or paused so the next repetition starts from a whole cluster.
 */
export class FaultScheduler {
  readonly records: FaultRecord[] = [];
  /** Roles killed on purpose: their exit is not a failure. */
  readonly killed = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private pending: Promise<void>[] = [];
  private originMs = 0;
  private readonly downBrokers = new Set<number>();
  private readonly pausedBrokers = new Set<number>();

  constructor(
    private readonly cluster: FaultBrokers | null,
    private readonly roles: RoleSet,
    private readonly faults: Fault[],
    /** Starts one more consumer in the running repetition (it joins the group: a rebalance); returns its id. */
    private readonly addConsumer: (() => Promise<string>) | null = null,
  ) {}

  start(originMs: number): void {
    this.originMs = originMs;
    for (const f of this.faults) {
      this.timers.push(setTimeout(() => this.pending.push(this.execute(f)), f.at * 1000));
    }
  }

  private async execute(f: Fault): Promise<void> {
    const target = f.action.endsWith("-broker") ? `broker ${f.broker}` : `consumer-${f.consumer ?? "new"}`;
    const record: FaultRecord = { at: f.at, action: f.action, target, actualAtMs: 0, ok: true };
    const stamp = () => (record.actualAtMs = monoMs() - this.originMs);
    try {
      const c = this.cluster;
      const needCluster = () => {
        if (!c) throw new PerfLabError("FAULT_NEEDS_EMBEDDED", `${f.action} needs an embedded broker`);
        return c;
      };
      switch (f.action) {
        case "stop-broker":
        case "kill-broker":
          stamp();
          await needCluster().stopBroker(f.broker!, { hard: f.action === "kill-broker" });
          this.downBrokers.add(f.broker!);
          break;
        case "start-broker":
          await needCluster().startBroker(f.broker!);
          stamp();
          this.downBrokers.delete(f.broker!);
          break;
        case "pause-broker":
          stamp();
          await needCluster().pauseBroker(f.broker!);
          this.pausedBrokers.add(f.broker!);
          break;
        case "resume-broker":
          stamp();
          await needCluster().resumeBroker(f.broker!);
          this.pausedBrokers.delete(f.broker!);
          break;
        case "kill-consumer": {
          const r = this.roles.consumers.find((x) => x.index === f.consumer);
          if (!r) throw new PerfLabError("FAULT_TARGET", `no consumer ${f.consumer}`);
          this.killed.add(r.roleId);
          stamp();
          await this.roles.killRole(r);
          break;
        }
        case "add-consumer": {
          if (!this.addConsumer) throw new PerfLabError("FAULT_UNSUPPORTED", "add-consumer needs a running repetition");
          stamp();
          record.target = await this.addConsumer();
          break;
        }
      }
    } catch (err) {
      record.ok = false;
      record.error = errorMessage(err);
      if (!record.actualAtMs) stamp();
    }
    this.records.push(record);
  }

  /** Extra condition for the runner's waits: throws if a role died that no fault killed. Never ends a wait. */
  failIfRoleCrashed(): boolean {
    const dead = this.roles.roles.find((r) => r.exited && !this.killed.has(r.roleId));
    if (dead) throw this.roles.exitFailure(dead, "during the run");
    return false;
  }

  /** Cancel faults not yet due and wait for those in progress. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.allSettled(this.pending);
  }

  /** Resume paused and restart stopped brokers. */
  async restore(): Promise<void> {
    if (!this.cluster) return;
    for (const id of this.pausedBrokers) await this.cluster.resumeBroker(id).catch(() => undefined); // it may have been stopped meanwhile
    // Housekeeping, not the experiment: the broker registers at once instead of after its old session (~7 s later).
    for (const id of this.downBrokers) await this.cluster.startBroker(id, { replaceRegistration: true });
    this.pausedBrokers.clear();
    this.downBrokers.clear();
  }
}
