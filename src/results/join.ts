/**
 * The offset join, pure: producers' (partition, offset, send time) records and consumers' (partition,
 * offset, receive time) records of one repetition → exact accounting and end-to-end latency per message.
 * Kafka gives every message of a partition one offset, so an offset names a message exactly — nothing is
 * added to the messages themselves.
 *
 * - lost: an acknowledged offset no consumer received; an offset acknowledged twice means the log was
 *   truncated under the first acknowledgement (acks=1 with a leader change), so that one is lost too;
 * - duplicates: receipts of an offset beyond its first (redeliveries after a rebalance or a crash);
 * - delivered but never acknowledged: a received offset no producer recorded — a batch whose
 *   acknowledgement failed but was written (e.g. a non-idempotent retry that was written twice).
 */
import { createHistogram, encodeHistogram, recordUs } from "../metrics/histogram";
import type { ContentLog } from "../metrics/content";
import { OffsetLog } from "../metrics/offsets";
import { NO_ACCOUNTING, type Accounting } from "./accounting";

/** Time column of producers' offset records: send time, ms on the runner's monotonic clock. */
export const PRODUCER_OFFSET_COLUMNS = ["sendMs"];

export interface ProducerSide {
  log: OffsetLog;
  /** Messages handed to send(), and given up on. */
  sent: number;
  failed: number;
}

export interface ConsumerSide {
  roleId: string;
  /** Receipts with times; null for a consumer known only by its journal. */
  log: OffsetLog | null;
  /** Journal records (u32 partition, u32 offset pairs) of a consumer that handed in no result. */
  journal?: Uint8Array | null;
}

export interface JoinResult {
  accounting: Accounting;
  /** Encoded HdrHistogram of end-to-end latency (µs) per consumer role. */
  e2eByConsumer: Record<string, string>;
  /** Every end-to-end latency (µs) per consumer role, when asked for (`rawSamples`). */
  rawE2eByConsumer: Record<string, number[]> | null;
  /** Offsets acknowledged more than once (a truncated log): each extra acknowledgement is a lost message. */
  collisions: number;
  /**
   * With the lab's id carrier on too: receipts whose send time from the offset join equals the one the
   * message carried (to 1 µs), and those that do not. Null without a carrier.
   */
  crossCheck: { compared: number; mismatches: number; maxDiffUs: number } | null;
  /** Send times (ms, the producers' records' clock) of lost messages, in time order; at most LOST_TIMES_KEPT. */
  lostSendMs: number[];
}

/** How many lost messages' send times a join keeps (enough to plot where the losses sit in time). */
export const LOST_TIMES_KEPT = 10_000;

interface PartitionTable {
  sendAt: Float64Array;
  /** Counts per slot: one byte for offsets (a message acknowledged or received 255 times is plenty), four for content ids. */
  acks: Uint8Array | Uint32Array;
  receipts: Uint8Array | Uint32Array;
  cap: number;
}

function tableFor(tables: Map<number, PartitionTable>, partition: number, size: number, wide: boolean): PartitionTable {
  const t = tables.get(partition);
  if (t && t.sendAt.length >= size) return t;
  const Counts = wide ? Uint32Array : Uint8Array;
  const next: PartitionTable = { sendAt: new Float64Array(size).fill(NaN), acks: new Counts(size), receipts: new Counts(size), cap: wide ? 0xffffffff : 255 };
  if (t) {
    next.sendAt.set(t.sendAt);
    next.acks.set(t.acks);
    next.receipts.set(t.receipts);
  }
  tables.set(partition, next);
  return next;
}

function maxOffsets(producers: ProducerSide[], consumers: ConsumerSide[]): Map<number, number> {
  const max = new Map<number, number>();
  const see = (p: number, o: number) => max.set(p, Math.max(max.get(p) ?? -1, o));
  for (const s of [...producers.map((p) => p.log), ...consumers.map((c) => c.log)]) {
    for (const { partition, data } of s?.partitions() ?? []) for (let i = 0; i < data.length; i++) see(partition, data.offsets[i]!);
  }
  for (const c of consumers) forEachJournalPair(c.journal, see);
  return max;
}

function forEachJournalPair(journal: Uint8Array | null | undefined, fn: (partition: number, offset: number) => void): void {
  if (!journal) return;
  const b = Buffer.from(journal.buffer, journal.byteOffset, journal.byteLength);
  for (let i = 0; i + 8 <= b.length; i += 8) fn(b.readUInt32LE(i), b.readUInt32LE(i + 4));
}

/** Join one repetition's offset records (see the module comment for what each count means). */
export function joinOffsets(producers: ProducerSide[], consumers: ConsumerSide[], opts: { raw?: boolean; multiset?: boolean } = {}): JoinResult {
  const tables = new Map<number, PartitionTable>();
  for (const [p, max] of maxOffsets(producers, consumers)) tableFor(tables, p, max + 1, opts.multiset === true);
  const a: Accounting = { ...NO_ACCOUNTING };
  let collisions = 0;
  for (const pr of producers) {
    a.produced += pr.sent;
    a.failed += pr.failed;
    for (const { partition, data } of pr.log.partitions()) {
      const t = tables.get(partition)!;
      const send = data.times[0]!;
      for (let i = 0; i < data.length; i++) {
        const o = data.offsets[i]!;
        if (t.acks[o]! > 0) collisions++;
        else t.sendAt[o] = send[i]!;
        if (t.acks[o]! < t.cap) t.acks[o]!++;
        a.acked++;
      }
    }
  }
  const e2eByConsumer: Record<string, string> = {};
  const rawE2eByConsumer: Record<string, number[]> | null = opts.raw ? {} : null;
  const cross = { compared: 0, mismatches: 0, maxDiffUs: 0 };
  let anyHeader = false;
  for (const c of consumers) {
    const h = createHistogram({ wasm: false });
    const raw: number[] | null = rawE2eByConsumer ? (rawE2eByConsumer[c.roleId] = []) : null;
    for (const { partition, data } of c.log?.partitions() ?? []) {
      const t = tables.get(partition)!;
      const recv = data.times[0]!;
      const header = data.times[1];
      for (let i = 0; i < data.length; i++) {
        const o = data.offsets[i]!;
        if (t.receipts[o]! < t.cap) t.receipts[o]!++;
        const sendAt = t.sendAt[o]!;
        if (Number.isNaN(sendAt)) continue;
        const us = (recv[i]! - sendAt) * 1000;
        recordUs(h, us);
        raw?.push(us);
        const carried = header?.[i];
        if (carried !== undefined && !Number.isNaN(carried)) {
          anyHeader = true;
          cross.compared++;
          const diffUs = Math.abs(carried - sendAt) * 1000;
          if (diffUs > 1) cross.mismatches++;
          if (diffUs > cross.maxDiffUs) cross.maxDiffUs = diffUs;
        }
      }
    }
    forEachJournalPair(c.journal, (p, o) => {
      const t = tables.get(p)!;
      if (t.receipts[o]! < t.cap) t.receipts[o]!++;
    });
    e2eByConsumer[c.roleId] = encodeHistogram(h);
  }
  const lostSendMs: number[] = [];
  for (const t of tables.values()) (opts.multiset ? countMultiset : countOffsets)(t, a, lostSendMs);
  if (!opts.multiset) a.lost += collisions;
  lostSendMs.sort((x, y) => x - y);
  return { accounting: a, e2eByConsumer, rawE2eByConsumer, collisions, crossCheck: anyHeader ? cross : null, lostSendMs };
}

/** Offsets: one slot is one message. */
function countOffsets(t: PartitionTable, a: Accounting, lostSendMs: number[]): void {
  for (let o = 0; o < t.acks.length; o++) {
    const acked = t.acks[o]!;
    const got = t.receipts[o]!;
    if (acked > 0 && got === 0) {
      a.lost++;
      if (lostSendMs.length < LOST_TIMES_KEPT) lostSendMs.push(t.sendAt[o]!);
    }
    if (got > 0) {
      a.consumed++;
      a.duplicates += got - 1;
      if (acked === 0) a.unackedDelivered++;
    }
  }
}

/** Content ids: one slot is every message with that content, acknowledged `acked` times and received `got` times. */
function countMultiset(t: PartitionTable, a: Accounting, lostSendMs: number[]): void {
  for (let o = 0; o < t.acks.length; o++) {
    const acked = t.acks[o]!;
    const got = t.receipts[o]!;
    if (acked > 0) {
      const lost = Math.max(0, acked - got);
      a.lost += lost;
      for (let k = 0; k < lost && lostSendMs.length < LOST_TIMES_KEPT; k++) lostSendMs.push(t.sendAt[o]!);
      a.consumed += Math.min(acked, got);
      a.duplicates += Math.max(0, got - acked);
    } else if (got > 0) {
      a.consumed++;
      a.unackedDelivered++;
      a.duplicates += got - 1;
    }
  }
}

export interface ContentProducerSide {
  log: ContentLog;
  sent: number;
  failed: number;
}

export interface ContentConsumerSide {
  roleId: string;
  log: ContentLog;
}

/**
 * The content join (producers audited by content id, see metrics/content.ts): the ids are numbered densely
 * and joined as offsets of one partition, counted as a multiset — two messages with the same content are
 * one slot acknowledged twice, lost only if received fewer times than acknowledged.
 */
export function joinContent(producers: ContentProducerSide[], consumers: ContentConsumerSide[], opts: { raw?: boolean } = {}): JoinResult {
  const dense = new Map<number, number>();
  const toLog = (c: ContentLog): OffsetLog => {
    const log = new OffsetLog(["ms"]);
    for (let i = 0; i < c.length; i++) {
      const id = c.ids[i]!;
      let slot = dense.get(id);
      if (slot === undefined) dense.set(id, (slot = dense.size));
      log.add(0, slot, c.times[i]!);
    }
    return log;
  };
  return joinOffsets(
    producers.map((p) => ({ log: toLog(p.log), sent: p.sent, failed: p.failed })),
    consumers.map((c) => ({ roleId: c.roleId, log: toLog(c.log) })),
    { ...opts, multiset: true },
  );
}
