import { decodeReceipts } from "../metrics/journal";
import { OffsetLog } from "../metrics/offsets";
import type { Accounting } from "../results/accounting";
import { ContentLog } from "../metrics/content";
import { joinContent, joinOffsets, PRODUCER_OFFSET_COLUMNS, type ConsumerSide, type ContentConsumerSide, type ContentProducerSide, type JoinResult, type ProducerSide } from "../results/join";
import type { RoleRepResult } from "../results/role-result";
import { attachmentName, offsetsAttachment } from "../roles/driver";
import type { HandedIn } from "./role-set";

/** What the offset join gives one repetition: its accounting (offsets mode), a cross-check (id carriers), and how long it took. */
export interface RepetitionJoin {
  accounting: Accounting | null;
  /** Send times of lost messages on the runner's clock (offsets and content modes). */
  lostSendMs: number[];
  crossCheck: { accounting: Accounting; e2e: JoinResult["crossCheck"]; collisions: number } | null;
  joinMs: number;
}

/** The join's consumer key of the i-th consumer snapshot of a role (a script may create several). */
const consumerKey = (roleId: string, i: number) => (i === 0 ? roleId : `${roleId}#${i}`);

/**
 * Join the repetition's offset records (producers' acknowledged offsets, consumers' receipts, journals of
 * killed consumers). In offsets mode the result is the accounting, and each consumer's end-to-end latency
 * is put into its snapshot (as if it had measured it itself); with an id carrier it is a cross-check kept
 * beside the id-based accounting. Returns null when there is nothing to join (acks 0, no producers).
 */
export function joinRepetition(handedIn: HandedIn[], orphanReceipts: Record<string, Buffer>, carrier: string, rawSamples: boolean): RepetitionJoin | null {
  if (carrier === "content") return joinByContent(handedIn, rawSamples);
  const t0 = performance.now();
  const producers: ProducerSide[] = [];
  const consumers: ConsumerSide[] = [];
  for (const { result, attachments } of handedIn) {
    result.producers.forEach((p, i) => {
      const bin = attachments[offsetsAttachment("producer", i)];
      if (bin) producers.push({ log: OffsetLog.decode(bin, PRODUCER_OFFSET_COLUMNS), sent: p.counters.sent, failed: p.counters.failed });
    });
    result.consumers.forEach((c, i) => {
      const bin = attachments[offsetsAttachment("consumer", i)];
      consumers.push({ roleId: consumerKey(result.roleId, i), log: bin ? OffsetLog.decode(bin, c.offsets.columns) : null, journal: !bin && i === 0 ? journalPairs(orphanReceipts[result.roleId]) : null });
    });
  }
  if (producers.length === 0 || (carrier !== "offsets" && producers.every((p) => p.log.count === 0))) return null;
  const join = joinOffsets(producers, consumers, { raw: rawSamples });
  const joinMs = performance.now() - t0;
  if (carrier !== "offsets") return { accounting: null, lostSendMs: [], crossCheck: { accounting: join.accounting, e2e: join.crossCheck, collisions: join.collisions }, joinMs };
  for (const { result } of handedIn) fillLatency(result, join);
  // A produce-only configuration (consumers.count 0) reads nothing back: no message is lost for want of a reader.
  if (consumers.length === 0) return { accounting: { ...join.accounting, lost: 0 }, lostSendMs: [], crossCheck: null, joinMs };
  return { accounting: join.accounting, lostSendMs: join.lostSendMs, crossCheck: null, joinMs };
}

/**
 * Content mode (a producer script audited by content id): the audits' acknowledged content ids joined
 * with the consumers' received ones. Consumers are never killed in this mode (validation refuses it), so
 * every receipt is in a handed-in result.
 */
function joinByContent(handedIn: HandedIn[], rawSamples: boolean): RepetitionJoin | null {
  const t0 = performance.now();
  const producers: ContentProducerSide[] = [];
  const consumers: ContentConsumerSide[] = [];
  for (const { result, attachments } of handedIn) {
    result.producers.forEach((p, i) => {
      const bin = attachments[attachmentName("content", "producer", i)];
      if (bin) producers.push({ log: ContentLog.decode(bin), sent: p.counters.sent, failed: p.counters.failed });
    });
    result.consumers.forEach((_, i) => {
      const bin = attachments[attachmentName("content", "consumer", i)];
      if (bin) consumers.push({ roleId: consumerKey(result.roleId, i), log: ContentLog.decode(bin) });
    });
  }
  if (producers.length === 0) return null;
  const join = joinContent(producers, consumers, { raw: rawSamples });
  for (const { result } of handedIn) fillLatency(result, join);
  return { accounting: join.accounting, lostSendMs: join.lostSendMs, crossCheck: null, joinMs: performance.now() - t0 };
}

function journalPairs(receipts: Buffer | undefined): Buffer | null {
  return receipts ? decodeReceipts(receipts).offsetPairs : null;
}

/** Offsets mode: the consumers' end-to-end latency comes from the join. */
function fillLatency(result: RoleRepResult, join: JoinResult): void {
  result.consumers.forEach((c, i) => {
    const key = consumerKey(result.roleId, i);
    const h = join.e2eByConsumer[key];
    if (h) c.histograms.e2eLatencyUs = h;
    const raw = join.rawE2eByConsumer?.[key];
    if (raw && c.raw) c.raw.e2eLatencyUs = raw;
  });
}
