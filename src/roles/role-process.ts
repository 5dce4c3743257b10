import { errorMessage, PerfLabError } from "../errors";
import { connectionFromChild } from "../kafka/connection";
import { rabbitFromChild } from "../rabbitmq/connection";
import { initHistograms } from "../metrics/histogram";
import { monoMs } from "../metrics/clock";
import { Collectors } from "../profiling/collectors";
import type { RoleRepResult } from "../results/role-result";
import { settleWithin } from "../util/timeout";
import { setRoleContext, type RegisteredClient, type RoleContext } from "../workload/context";
import { ControlClient, type AttachmentInfo, type RoleMessage, type RunnerMessage } from "./control";
import { ConsumerDriver } from "./consumer-driver";
import { ProcessSampler } from "./process-stats";
import { ProducerDriver } from "./producer-driver";
import type { RoleConfig } from "./role-config";
import type { RoleArgs } from "./role-main";
import type { DriverResult, RoleDriver } from "./driver";

/**
 * How often a running role reports its counts and consumer positions. The runner's drain wait ends on the
 * first report that shows every partition consumed, so this bounds how long a repetition idles after its
 * last message: at 1 s it was most of a small repetition (2,000 messages: ~0.9 s of ~1.5 s). A report is a
 * few hundred bytes of JSON on the control socket.
 */
const PROGRESS_INTERVAL_MS = 200;

interface RepState {
  rep: number;
  repKind: string;
  ctx: RoleContext;
  abort: AbortController;
  collectors: Collectors | null;
  progressTimer: NodeJS.Timeout | null;
  error: { code: string; message: string } | null;
}

/** Connect to the runner and serve it until it says "exit" (or goes away: then leave at once). */
export async function runRole(args: RoleArgs): Promise<void> {
  await initHistograms();
  const control = await ControlClient.connect(args.connect, args.roleId, args.token);
  // The runner is gone (crashed, killed): nobody will collect our results, so leave at once.
  control.on("close", () => process.exit(3));
  const role = new RoleProcess(control, args.roleId);
  control.on("message", (msg: RunnerMessage) => role.receive(msg));
}

/**
 * One role process. Messages are handled one after another (a stop never overtakes the start it belongs
 * to), except ping and exit, which are answered at once, and stop, which also interrupts a running start.
 */
class RoleProcess {
  private config: RoleConfig | null = null;
  private driver: RoleDriver | null = null;
  private clockOffsetMs = 0;
  private state: RepState | null = null;
  private queue: Promise<void> = Promise.resolve();
  private sampler: ProcessSampler | null = null;
  private nextProducerIndex = 0;

  constructor(
    private readonly control: ControlClient,
    private readonly roleId: string,
  ) {}

  receive(msg: RunnerMessage): void {
    if (msg.type === "ping") return void this.control.send({ type: "pong", roleId: this.roleId, t0: msg.t0, t1: monoMs() });
    if (msg.type === "exit") return void this.exit();
    if (msg.type === "stop" && this.state?.rep === msg.rep) this.state.abort.abort(); // interrupt a running start at once
    this.queue = this.queue.then(() => this.handle(msg)).catch((err) => this.fail(null, err, true));
  }

  private async handle(msg: RunnerMessage): Promise<void> {
    if (msg.type === "configure") return this.configure(msg.config, msg.clockOffsetMs);
    if (msg.type === "prepare") return this.prepare(msg);
    if (msg.type === "start") return this.start(msg.rep, msg.originMs);
    if (msg.type === "stop") return this.stop(msg.rep);
  }

  private async configure(config: RoleConfig, clockOffsetMs: number): Promise<void> {
    this.config = config;
    this.clockOffsetMs = clockOffsetMs;
    this.nextProducerIndex = config.index * 16;
    try {
      this.driver = config.kind === "producer" ? new ProducerDriver(config) : new ConsumerDriver(config);
    } catch (err) {
      // The user's module did not load: tell the runner (one line naming the file), then leave.
      this.fail(null, err, true);
      await settleWithin(this.control.close(), 1000);
      process.exit(2);
    }
    this.sampler = new ProcessSampler(monoMs(), config.seriesIntervalMs);
    await this.control.send({ type: "configured", roleId: this.roleId });
  }

  private fail(rep: number | null, err: unknown, fatal: boolean): void {
    const code = err instanceof PerfLabError ? err.code : ((err as { name?: string })?.name ?? "ERROR");
    if (this.state) this.state.error = { code, message: errorMessage(err) };
    void this.control.send({ type: "error", roleId: this.roleId, rep, code, message: errorMessage(err), fatal });
  }

  private context(msg: Extract<RunnerMessage, { type: "prepare" }>, abort: AbortController, registered: RegisteredClient[]): RoleContext {
    const c = this.config!;
    const ctx: RoleContext & { registered: RegisteredClient[] } = {
      roleId: c.roleId,
      kind: c.kind,
      index: c.index,
      runId: c.runId,
      configId: c.configId,
      rep: msg.rep,
      topic: msg.topic,
      groupId: msg.groupId,
      connection: null as unknown as RoleContext["connection"], // set by withBroker
      rabbitmq: null,
      messages: c.workload.messages,
      durationSec: c.workload.durationSec,
      originMs: monoMs(),
      clockOffsetMs: this.clockOffsetMs,
      idCarrier: c.producer?.idCarrier ?? c.consumer?.idCarrier ?? "offsets",
      signal: abort.signal,
      producerIndexBase: c.index * 16,
      recordRaw: c.recordRaw,
      workDir: c.workDir,
      seriesIntervalMs: c.seriesIntervalMs,
      journal: c.kind === "consumer" ? (records) => this.control.send({ type: "receipts", roleId: this.roleId, rep: msg.rep }, records) : null,
      register: (entry) => registered.push(entry),
      allocateProducerIndex: () => this.nextProducerIndex++,
      log: (line) => process.stderr.write(`[${c.roleId}] ${line}\n`),
      registered,
    };
    return withBroker(ctx, c.connection);
  }

  private async prepare(msg: Extract<RunnerMessage, { type: "prepare" }>): Promise<void> {
    const abort = new AbortController();
    const ctx = this.context(msg, abort, []);
    setRoleContext(ctx);
    this.state = { rep: msg.rep, repKind: msg.repKind, ctx, abort, collectors: null, progressTimer: null, error: null };
    try {
      if (msg.profile) this.state.collectors = await Collectors.create(msg.profile);
      const r = await this.driver!.prepare(ctx);
      if (this.config!.kind === "consumer") await this.control.send({ type: "assigned", roleId: this.roleId, rep: msg.rep, partitions: r.partitions ?? [], joinMs: r.joinMs ?? 0 });
      else await this.control.send({ type: "ready", roleId: this.roleId, rep: msg.rep });
    } catch (err) {
      this.fail(msg.rep, err, true);
    }
  }

  /**
   * A progress report, stamped when it is made (on the runner's clock): on a busy machine a report can reach the
   * runner ~100 ms later, and the lag series places each consumer's position at the time it held (broker-lag.ts).
   */
  private progressReport(rep: number): Extract<RoleMessage, { type: "progress" }> {
    const atMs = monoMs() - this.clockOffsetMs;
    return { type: "progress", roleId: this.roleId, rep, atMs, ...this.driver!.progress() };
  }

  /**
   * A consumer's first report as soon as it has processed a message (looked for every 10 ms, for at most 5 s).
   * Until then its position is the group's committed offset, exactly; the lag series interpolates a position only
   * between two reports, so with the first one 200 ms in (later on a busy machine) the first samples counted the
   * messages processed meanwhile as unprocessed (seen in a suite run beside a CPU-burning process: 59 too many at 257 ms).
   */
  private reportFirstPosition(rep: number, s: RepState): void {
    const deadline = monoMs() + 5000;
    const look = () => {
      if (this.state !== s || s.abort.signal.aborted) return;
      const report = this.progressReport(rep);
      if (Object.keys(report.positions ?? {}).length > 0) void this.control.send(report);
      else if (monoMs() < deadline) setTimeout(look, 10).unref();
    };
    setTimeout(look, 10).unref();
  }

  private async start(rep: number, runnerOriginMs: number): Promise<void> {
    const s = this.state;
    if (!s || s.rep !== rep) return;
    // The runner's origin on this process's clock (they are the same clock on one host).
    s.ctx.originMs = runnerOriginMs + this.clockOffsetMs;
    this.sampler!.start(s.ctx.originMs);
    s.progressTimer = setInterval(() => void this.control.send(this.progressReport(rep)), PROGRESS_INTERVAL_MS);
    s.progressTimer.unref();
    if (this.config!.kind === "consumer") this.reportFirstPosition(rep, s);
    try {
      await s.collectors?.start();
      await this.driver!.start(s.ctx);
    } catch (err) {
      this.fail(rep, err, false);
    }
    if (this.config!.kind === "producer") {
      // The final counts before "finished" (same socket, in order): a drain that compares what consumers
      // received with what producers had acked must not read a count up to a second old.
      await this.control.send(this.progressReport(rep));
      await this.control.send({ type: "finished", roleId: this.roleId, rep });
    }
  }

  private async stop(rep: number): Promise<void> {
    const s = this.state;
    if (!s || s.rep !== rep) return;
    s.abort.abort();
    if (s.progressTimer) clearInterval(s.progressTimer);
    let out: DriverResult = { producers: [], consumers: [] };
    try {
      out = await this.driver!.stop(s.ctx);
    } catch (err) {
      this.fail(rep, err, false);
    }
    await this.control.send(this.progressReport(rep));
    const profile = s.collectors ? await s.collectors.stop() : null;
    const attachments: Record<string, Uint8Array> = { ...out.attachments };
    for (const [kind, data] of Object.entries(profile?.files ?? {})) attachments[`profile.${kind}`] = data!;
    const result: RoleRepResult = {
      version: 2,
      roleId: this.roleId,
      kind: this.config!.kind,
      index: this.config!.index,
      pid: process.pid,
      configId: this.config!.configId,
      rep,
      repKind: s.repKind,
      state: s.error ? "errored" : "completed",
      error: s.error,
      producers: out.producers,
      consumers: out.consumers,
      process: this.sampler!.stop(),
      profile: profile ? { files: {}, errors: profile.errors } : null,
    };
    const infos: AttachmentInfo[] = Object.entries(attachments).map(([name, data]) => ({ name, bytes: data.length }));
    await this.control.send({ type: "result", roleId: this.roleId, rep, result, attachments: infos }, concat(Object.values(attachments)));
    this.state = null;
    setRoleContext(null);
  }

  /** The runner is done with us: let a pending stop finish briefly, close politely, never hang. */
  private async exit(): Promise<void> {
    await settleWithin(this.queue, 2000);
    if (this.driver) await settleWithin(this.driver.close().catch((err) => process.stderr.write(`[${this.roleId}] close: ${errorMessage(err)}\n`)), 3000);
    await settleWithin(this.control.close(), 1000);
    process.exit(0);
  }
}

function concat(parts: Uint8Array[]): Buffer | null {
  if (parts.length === 0) return null;
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** Sets `connection` (Kafka) or `rabbitmq` of a role's context; in a RabbitMQ run, reading `connection` is one clear error. */
function withBroker<T extends RoleContext>(ctx: T, c: RoleConfig["connection"]): T {
  if (!("broker" in c)) {
    ctx.connection = connectionFromChild(c);
    return ctx;
  }
  ctx.rabbitmq = rabbitFromChild(c);
  Object.defineProperty(ctx, "connection", {
    get(): never {
      throw new PerfLabError("WRONG_BROKER", "this run measures RabbitMQ: ctx.connection is a Kafka cluster's; use ctx.rabbitmq");
    },
  });
  return ctx;
}
