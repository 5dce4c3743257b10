import { settleWithin, sleep } from "../util/timeout";
import { PerfLabError } from "../errors";
import { InstrumentedConsumer, type ConsumedMessage, type MessageHandler } from "../workload/consumer";
import { burnCpu } from "../workload/payload";
import type { RegisteredClient, RoleContext } from "../workload/context";
import { exportedFunction, loadUserModule, optionalFunction } from "./user-module";
import type { RoleConfig } from "./role-config";
import { collectRegistered, namedAttachments, type DriverResult, type RoleDriver } from "./driver";

const ASSIGN_TIMEOUT_MS = 60_000;

/** The consumer role: built-in processing (none, CPU work, sleep), a user's handler module, or a whole user script. */
export class ConsumerDriver implements RoleDriver {
  private consumer: InstrumentedConsumer | null = null;
  private readonly mod: Record<string, unknown> | null;
  private readonly file: string | null;
  private initialized = false;
  private scriptRun: Promise<unknown> | null = null;
  private scriptError: unknown = null;

  constructor(private readonly config: RoleConfig) {
    const c = config.consumer!;
    this.file = c.script ?? c.handler;
    this.mod = this.file ? loadUserModule(this.file, c.script ? "consumers.script" : "consumers.handler") : null;
  }

  async prepare(ctx: RoleContext): Promise<{ partitions: number[]; joinMs: number }> {
    const c = this.config.consumer!;
    if (c.script) return this.prepareScript(ctx);
    const handler = await this.handler(ctx);
    const flush = this.mod ? optionalFunction<() => Promise<void> | void>(this.mod, "flush") : null;
    if (c.commit === "after-flush" && !flush) {
      throw new PerfLabError("USER_MODULE_EXPORT", `consumers.commit "after-flush" needs ${this.file ?? "the handler"} to export a flush() function`, { exitCode: 2 });
    }
    this.consumer = new InstrumentedConsumer({
      connection: ctx.rabbitmq ?? ctx.connection,
      client: c.client,
      idCarrier: c.idCarrier,
      clientId: ctx.roleId,
      groupId: ctx.groupId!,
      topics: [ctx.topic],
      fromBeginning: true,
      mode: c.mode,
      handler,
      commit: c.commit,
      flush: flush ?? undefined,
      flushIntervalMs: c.flushIntervalMs,
      autoCommitIntervalMs: c.autoCommitIntervalMs,
      prefetch: c.prefetch,
      autoAck: c.autoAck,
      onError: c.onError,
      recordRaw: ctx.recordRaw,
      logFile: this.config.clientLogFile,
      reportToRole: false,
    });
    await this.consumer.start();
    const assignment = await this.consumer.waitForAssignment(ASSIGN_TIMEOUT_MS);
    return { partitions: assignment[ctx.topic] ?? [], joinMs: this.consumer.metrics.groupJoinMs[0] ?? 0 };
  }

  private async prepareScript(ctx: RoleContext): Promise<{ partitions: number[]; joinMs: number }> {
    const file = this.config.consumer!.script!;
    const main = exportedFunction<(ctx: RoleContext) => unknown>(this.mod!, ["main"], file, "consumers.script");
    this.scriptError = null;
    this.scriptRun = Promise.resolve()
      .then(() => main(ctx))
      .catch((err) => (this.scriptError = err));
    const registered = (ctx as RoleContext & { registered: RegisteredClient[] }).registered;
    const deadline = Date.now() + ASSIGN_TIMEOUT_MS;
    while (!registered.some((r) => r.kind === "consumer")) {
      if (this.scriptError) throw this.scriptError;
      if (Date.now() > deadline) throw new PerfLabError("SCRIPT_NO_CONSUMER", `consumers.script ${file} created no instrumented consumer within ${ASSIGN_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
    const a = await registered.find((r) => r.kind === "consumer")!.waitForAssignment!(ASSIGN_TIMEOUT_MS);
    return { partitions: a[ctx.topic] ?? [], joinMs: 0 };
  }

  private async handler(ctx: RoleContext): Promise<MessageHandler> {
    const c = this.config.consumer!;
    if (this.mod) {
      if (!this.initialized) {
        const init = optionalFunction<(ctx: RoleContext) => unknown>(this.mod, "init");
        if (init) await init(ctx);
        this.initialized = true;
      }
      return exportedFunction<(m: ConsumedMessage) => unknown>(this.mod, ["handle"], this.file!, "consumers.handler");
    }
    switch (c.processing.kind) {
      case "none":
        return () => undefined;
      case "cpu":
        return () => burnCpu(c.processing.cpuUs);
      case "sleep":
        return () => sleep(c.processing.sleepMs);
    }
  }

  async start(ctx: RoleContext): Promise<void> {
    this.consumer?.metrics.setOrigin(ctx.originMs);
  }

  async stop(ctx: RoleContext): Promise<DriverResult> {
    if (this.config.consumer!.script) {
      // ctx.signal is aborted by now: a well-behaved script stops its consumer and returns.
      await settleWithin(this.scriptRun ?? Promise.resolve(), 30_000);
      if (this.scriptError) throw this.scriptError;
      return collectRegistered(ctx, "consumer");
    }
    const consumer = this.consumer!;
    this.consumer = null;
    try {
      await consumer.stop();
    } catch (err) {
      // Keep what was measured: the failure is counted with the consumer's errors, not thrown.
      consumer.metrics.onProcessingError(err);
    }
    return { producers: [], consumers: [consumer.metrics.snapshot()], attachments: namedAttachments("consumer", 0, consumer.metrics.records()) };
  }

  progress(): Record<string, unknown> {
    const m = this.consumer?.metrics;
    const crash = this.consumer?.crashError;
    const errorCode = crash instanceof PerfLabError ? crash.code : crash?.name;
    return m ? { received: m.received, buffered: m.buffered(), positions: Object.fromEntries(m.positions), ...(crash ? { error: `${crash.name ?? "Error"}: ${crash.message}`, errorCode } : {}) } : {};
  }

  async close(): Promise<void> {
    if (this.consumer) await this.consumer.stop();
    const close = this.mod ? optionalFunction<() => unknown>(this.mod, "close") : null;
    if (close) await close();
  }
}
