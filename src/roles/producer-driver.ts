import { setImmediate as yieldToLoop } from "node:timers/promises";
import { PerfLabError } from "../errors";
import { sleep, whenAborted } from "../util/timeout";
import { InstrumentedProducer, type OutgoingMessage } from "../workload/producer";
import { syntheticMessages } from "../workload/payload";
import { monoMs } from "../metrics/clock";
import type { RoleContext } from "../workload/context";
import { exportedFunction, loadUserModule } from "./user-module";
import type { RoleConfig, RoleWorkload } from "./role-config";
import { collectRegistered, namedAttachments, type DriverResult, type RoleDriver } from "./driver";

/** Gives the i-th message, or null when the source is exhausted. */
export type NextMessage = (i: number) => OutgoingMessage | null | undefined | Promise<OutgoingMessage | null | undefined>;

type SourceFn = (i: number, ctx: RoleContext) => OutgoingMessage | null | undefined | Promise<OutgoingMessage | null | undefined>;
type SourceGen = (ctx: RoleContext) => Iterator<OutgoingMessage> | AsyncIterator<OutgoingMessage>;

/** The producer role: the built-in synthetic producer, a user's source module, or a whole user script. */
export class ProducerDriver implements RoleDriver {
  private producer: InstrumentedProducer | null = null;
  private readonly mod: Record<string, unknown> | null;
  private running: Promise<void> | null = null;
  /** The producer could not connect (an overloaded cluster): an outcome of the repetition, reported in its result. */
  private connectError: Error | null = null;

  constructor(private readonly config: RoleConfig) {
    const p = config.producer!;
    const file = p.script ?? p.source;
    this.mod = file ? loadUserModule(file, p.script ? "producers.script" : "producers.source") : null;
  }

  async prepare(ctx: RoleContext): Promise<Record<string, never>> {
    const p = this.config.producer!;
    if (p.script) {
      exportedFunction(this.mod!, ["main"], p.script, "producers.script");
      return {};
    }
    if (!this.producer) {
      this.producer = new InstrumentedProducer({
        connection: ctx.rabbitmq ?? ctx.connection,
        client: p.client,
        clientId: ctx.roleId,
        acks: p.acks,
        compression: p.compression,
        idempotent: p.idempotent,
        maxInFlightRequests: p.maxInFlightRequests ?? undefined,
        batchSize: p.batchSize,
        batchBytes: p.batchBytes,
        lingerMs: p.lingerMs,
        maxBufferedMessages: p.maxBufferedMessages ?? undefined,
        idCarrier: p.idCarrier,
        producerIndex: ctx.allocateProducerIndex(),
        recordRaw: ctx.recordRaw,
        logFile: this.config.clientLogFile,
        reportToRole: false,
      });
    }
    try {
      await this.producer.connect();
      this.producer.resetMetrics(ctx.originMs);
      await this.producer.prepareTopic(ctx.topic); // partition count known before the clock starts
      this.connectError = null;
    } catch (err) {
      // Counted, not raised: on an overloaded cluster some producers never get in, and that is a result.
      this.connectError = err as Error;
      ctx.log(`could not connect: ${(err as Error).message}`);
      this.producer.resetMetrics(ctx.originMs);
    }
    return {};
  }

  async start(ctx: RoleContext): Promise<void> {
    const p = this.config.producer!;
    if (p.script) {
      const main = exportedFunction<(ctx: RoleContext) => unknown>(this.mod!, ["main"], p.script, "producers.script");
      this.running = Promise.resolve(main(ctx)).then(() => undefined);
      return this.running;
    }
    const producer = this.producer!;
    producer.resetMetrics(ctx.originMs);
    if (this.connectError) return;
    const next = p.source ? userSource(this.mod!, p.source, ctx) : syntheticSource(this.config.workload, producer.metrics.producerIndex);
    this.running = sendLoop(producer, next, this.config.workload, ctx);
    return this.running;
  }

  async stop(ctx: RoleContext): Promise<DriverResult> {
    if (this.running) await this.running.catch(() => undefined); // its failure was reported by start()
    const script = this.config.producer!.script;
    if (script) {
      const out = collectRegistered(ctx, "producer");
      if (out.producers.length === 0) throw new PerfLabError("SCRIPT_REPORTED_NOTHING", `producers.script ${script} reported nothing: it created no InstrumentedProducer and no producerAudit() in this repetition`);
      return out;
    }
    await this.producer!.flush();
    const snapshot = this.producer!.metrics.snapshot();
    if (this.connectError) snapshot.connectError = this.connectError.message.split("\n")[0]!;
    return { producers: [snapshot], consumers: [], attachments: namedAttachments("producer", 0, { offsets: this.producer!.metrics.offsetLog.encode() }) };
  }

  progress(): Record<string, unknown> {
    const m = this.producer?.metrics;
    return m ? { sent: m.sent, acked: m.ackedCount, failed: m.failed } : {};
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

function syntheticSource(w: RoleWorkload, producerIndex: number): NextMessage {
  return syntheticMessages(w, producerIndex);
}

/** A source module exports `source` (or default): a function of the index, or a (async) generator function. */
function userSource(mod: Record<string, unknown>, file: string, ctx: RoleContext): NextMessage {
  const fn = exportedFunction<SourceFn & SourceGen>(mod, ["source"], file, "producers.source");
  const kind = fn.constructor?.name;
  if (kind === "GeneratorFunction" || kind === "AsyncGeneratorFunction") {
    const it = (fn as SourceGen)(ctx);
    return async () => {
      const r = await it.next();
      return r.done ? null : r.value;
    };
  }
  return (i) => (fn as SourceFn)(i, ctx);
}

/**
 * The publish loop. Unthrottled, it yields to the event loop once per batch so sockets and timers run.
 * With a target rate, message i is *intended* at start + i/rate; the loop sleeps until then (sending
 * every message already due in one burst), and the producer records how late each send was and the
 * latency from the intended time — the coordinated-omission-corrected figure.
 */
export async function sendLoop(producer: InstrumentedProducer, next: NextMessage, w: RoleWorkload, ctx: Pick<RoleContext, "signal" | "topic">): Promise<void> {
  const limit = w.messages ?? Number.POSITIVE_INFINITY;
  const t0 = monoMs();
  const deadline = w.durationSec !== null ? t0 + w.durationSec * 1000 : null;
  const intervalMs = w.rate > 0 ? 1000 / w.rate : 0;
  const yieldEvery = producer.options.batchSize;
  const max = producer.options.maxBufferedMessages;
  // A source that never yields again must not keep the loop (and the role) from stopping.
  const aborted = whenAborted(ctx.signal, null);
  for (let i = 0; i < limit; i++) {
    if (ctx.signal.aborted) break;
    let intended: number | undefined;
    if (intervalMs > 0) {
      intended = t0 + i * intervalMs;
      const aheadMs = intended - monoMs();
      if (aheadMs > 1) await sleep(aheadMs);
    } else if (i > 0 && i % yieldEvery === 0) {
      await yieldToLoop();
    }
    if (deadline !== null && monoMs() >= deadline) break;
    let msg = next(i);
    if (msg && typeof (msg as Promise<unknown>).then === "function") msg = await Promise.race([msg as Promise<OutgoingMessage | null | undefined>, aborted]);
    if (msg === null || msg === undefined) break;
    if (producer.buffered >= max) await Promise.race([producer.waitForCapacity(), aborted]);
    if (ctx.signal.aborted) break;
    // A failed send is counted by the producer's metrics (and its error kind); the loop goes on.
    producer.enqueue(msg as OutgoingMessage, { topic: ctx.topic, intendedMs: intended });
  }
  await producer.flush();
}
