import type { WireMessage } from "../clients/types";
import { monoMs } from "../metrics/clock";
import { ContentLog, contentId } from "../metrics/content";
import { Batch } from "./batch";
import { roleContext } from "./context";
import { ProducerMetrics } from "./producer-metrics";

/** A message as your own client sends it: the audit reads its key and value, never changes them. */
export interface AuditedMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
}

/**
 * A durability audit of your own producer code (any client, any batching): wrap each of your send calls in
 * `audit.send(messages, () => yourClient.send(…))`. The audit records the messages' content ids and send
 * time before your call, and marks them acknowledged when your call resolves (failed when it rejects).
 * After the repetition the runner joins them with what the lab's consumers received, by content: an
 * acknowledged message no consumer received is lost, whatever your client's send() promised. Nothing is
 * added to your messages and nothing in your call changes. Inside a role (`producers.script` with
 * `producers.idCarrier: content`) the audit reports to the run; outside one it just measures.
 */
export class ProducerAudit {
  readonly metrics: ProducerMetrics;
  /** Content id and send time of every acknowledged message. */
  readonly acknowledged = new ContentLog();
  private readonly clockOffsetMs: number;

  constructor(opts: { producerIndex?: number; reportToRole?: boolean } = {}) {
    const ctx = roleContext();
    this.clockOffsetMs = ctx?.clockOffsetMs ?? 0;
    this.metrics = new ProducerMetrics(opts.producerIndex ?? ctx?.allocateProducerIndex() ?? 0, "content", ctx?.originMs ?? monoMs(), ctx?.recordRaw ?? false, ctx?.seriesIntervalMs);
    this.metrics.clockOffsetMs = this.clockOffsetMs;
    if (opts.reportToRole !== false) {
      ctx?.register({ kind: "producer", snapshot: () => this.metrics.snapshot(), attachments: () => ({ offsets: this.metrics.offsetLog.encode(), content: this.acknowledged.encode() }), destroy: () => this.metrics.destroy() });
    }
  }

  /** Run your send call for `messages`, audited; resolves or rejects exactly as your call does. */
  async send<T>(messages: readonly AuditedMessage[], send: () => Promise<T>): Promise<T> {
    const t0 = monoMs();
    const batch = new Batch("", -1);
    const ids = new Float64Array(messages.length);
    messages.forEach((m, i) => {
      const bytes = byteLength(m.key) + byteLength(m.value);
      ids[i] = contentId(m.key, m.value); // before your call: what it sends, even if your code reuses the objects after
      this.metrics.onSend(bytes, t0);
      batch.add(m as WireMessage, bytes, t0, undefined, undefined, null);
    });
    let out: T;
    try {
      out = await send();
    } catch (err) {
      this.metrics.onFailure(messages.length, err);
      throw err;
    }
    this.metrics.onAckedBatch(batch, null, t0, monoMs());
    for (let i = 0; i < ids.length; i++) this.acknowledged.add(ids[i]!, t0 - this.clockOffsetMs);
    return out;
  }
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

/** A durability audit of your own producer code (see ProducerAudit). */
export function producerAudit(opts: { producerIndex?: number; reportToRole?: boolean } = {}): ProducerAudit {
  return new ProducerAudit(opts);
}
