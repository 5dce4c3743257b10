import type { Admin } from "kafkajs";
import { labKafka, type KafkaConnection } from "../kafka";
import { monoMs } from "../metrics/clock";
import { settleWithin } from "../util/timeout";
import type { SeriesSample } from "./broker";
import { kafkaLag, type LogSample, type PositionTrace } from "./broker-lag";
import type { RoleHandle, RoleSet } from "./role-set";

export interface LagSamplerOptions {
  topic: string;
  groupId: string;
  intervalMs: number;
  /** The repetition's origin (monoMs): sample times count from it. */
  originMs: number;
  roles: RoleSet;
}

/**
 * While a repetition runs: the topic's log end and the group's committed offsets from the broker every
 * `intervalMs`, and each consumer's processed positions as its progress reports arrive. `stop()` joins
 * them into the lag series (see broker-lag.ts). A broker that does not answer (a fault) leaves a gap; a
 * slow answer is not queued up behind another.
 */
export class LagSampler {
  private readonly samples: LogSample[] = [];
  private readonly traces: ProgressTraces;
  private readonly admin: Admin;
  private readonly connected: Promise<boolean>;
  private readonly timer: NodeJS.Timeout;
  /** The sample being taken, if any: stop() waits for it before disconnecting. */
  private inflight: Promise<void> | null = null;
  private stopped = false;

  constructor(
    connection: KafkaConnection,
    private readonly o: LagSamplerOptions,
  ) {
    // No retries: a sample that fails is a gap in the series, not a late value.
    this.admin = labKafka(connection, "perflab-lag").admin({ retry: { retries: 0 } });
    // A new admin knows no broker until it has fetched metadata (its first request waits ~300 ms for it):
    // fetch it before the first timed sample.
    this.connected = this.admin
      .connect()
      .then(() => this.admin.fetchTopicMetadata({ topics: [o.topic] }))
      .then(
        () => true,
        () => false,
      );
    const prefix = `${o.topic}:`;
    this.traces = new ProgressTraces(o.roles, o.originMs, (p) => {
      const mine: Record<number, number> = {};
      for (const [k, v] of Object.entries(p.positions)) if (k.startsWith(prefix)) mine[Number(k.slice(prefix.length))] = v;
      return mine;
    });
    this.timer = setInterval(() => this.takeOne(), Math.max(o.intervalMs, 50));
    this.takeOne();
  }

  /** One sample at a time: a slow answer is not queued up behind another. */
  private takeOne(): void {
    if (this.inflight || this.stopped) return;
    this.inflight = this.take().finally(() => (this.inflight = null));
  }

  private now(): number {
    return monoMs() - this.o.originMs;
  }

  private async take(): Promise<void> {
    try {
      if (!(await this.connected) || this.stopped) return;
      const t0 = this.now();
      // Committed offsets are a floor for the position, not needed: a cluster that refuses them (ACLs) still gives the lag.
      // Both requests settle before this sample ends (allSettled, not all): stop() disconnects after the sample in
      // flight, and a request still running then could open a connection to the group's coordinator afterwards.
      const [endsOf, committedOf] = await Promise.allSettled([this.admin.fetchTopicOffsets(this.o.topic), this.admin.fetchOffsets({ groupId: this.o.groupId, topics: [this.o.topic] })]);
      if (endsOf.status === "rejected") return;
      const ends = endsOf.value;
      const committed = committedOf.status === "fulfilled" ? committedOf.value : null;
      // The broker answered somewhere between asking and hearing back: the middle is the best guess.
      const s: LogSample = { t: (t0 + this.now()) / 2, high: [], low: [], committed: committed ? [] : null };
      for (const e of ends) {
        s.high[e.partition] = Number(e.high);
        s.low[e.partition] = Number(e.low);
      }
      for (const p of committed?.[0]?.partitions ?? []) s.committed![p.partition] = Number(p.offset);
      if (!this.stopped) this.samples.push(s);
    } catch {
      // the broker is down or slow (a fault): no sample for this instant
    }
  }

  /** Stop sampling and return the lag series (t in seconds, as the other broker series). */
  async stop(): Promise<SeriesSample[]> {
    this.stopped = true;
    clearInterval(this.timer);
    const traces = this.traces.stop();
    // After the sample in flight: kafkajs opens a broker connection when a request needs one, so a request sent
    // after disconnect() would leave a socket open, keeping the process alive until Kafka's 10-minute idle limit.
    await settleWithin(
      (this.inflight ?? Promise.resolve()).then(() => this.connected).then(() => this.admin.disconnect()),
      5000,
    );
    // Without consumers there is no group to be behind: the log end alone.
    const withLag = this.o.roles.consumers.length > 0;
    return kafkaLag(this.samples, traces).map((p) => {
      const values: Record<string, number> = { logEnd: p.logEnd };
      if (withLag) values.lag = p.lag;
      if (withLag && p.committedLag !== null) values.committedLag = p.committedLag;
      return { t: p.t / 1000, values };
    });
  }
}

/**
 * Each consumer's progress reports (every 200 ms), on the repetition's clock at the time each was made: `pick`
 * turns one into values per partition (a report with none is skipped).
 */
export class ProgressTraces {
  private readonly traces = new Map<string, PositionTrace>();
  private readonly lastSeen = new Map<string, object>();
  private readonly off: () => void;

  constructor(
    private readonly roles: RoleSet,
    private readonly originMs: number,
    private readonly pick: (progress: RoleHandle["progress"]) => Record<number, number>,
  ) {
    this.off = roles.onEvent(() => this.record());
  }

  /** Any role event: record the consumers' reports that are new (each report is a new progress object). */
  private record(): void {
    for (const c of this.roles.consumers) {
      if (this.lastSeen.get(c.roleId) === c.progress) continue;
      this.lastSeen.set(c.roleId, c.progress);
      const values = this.pick(c.progress);
      if (Object.keys(values).length === 0) continue;
      let tr = this.traces.get(c.roleId);
      if (!tr) this.traces.set(c.roleId, (tr = { t: [], positions: [] }));
      // Reports of one role come in order over one socket, stamped on one clock: the times ascend. (Only the empty
      // progress before a role's first report lacks atMs, and it has no positions.)
      tr.t.push(c.progress.atMs! - this.originMs);
      tr.positions.push(values);
    }
  }

  stop(): PositionTrace[] {
    this.off();
    this.record();
    return [...this.traces.values()];
  }
}
