/**
 * Exact message accounting of one repetition, pure. Every producer says which of its ids were acknowledged;
 * every consumer says how often it received each id; counting per id gives produced, acked, consumed,
 * lost and duplicates exactly.
 */
import { BitSet, CountArray } from "../metrics/idset";
import type { ConsumerSnapshot, ProducerSnapshot } from "./role-result";

export interface Accounting {
  /** Messages handed to send(). */
  produced: number;
  /** Acknowledged by the broker (for acks=0: written to the socket without error). */
  acked: number;
  /** Given up on by the producer after its retries. */
  failed: number;
  /** Distinct messages received by any consumer. */
  consumed: number;
  /** Receipts beyond the first of a message (redeliveries and producer retries). */
  duplicates: number;
  /** Acknowledged but never received. */
  lost: number;
  /** Received although never acknowledged: written despite an error, or written twice by a retry. */
  unackedDelivered: number;
  /** Received messages the lab cannot place (no id, or an id no producer of this repetition sent). */
  untracked: number;
}

export const NO_ACCOUNTING: Accounting = { produced: 0, acked: 0, failed: 0, consumed: 0, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 };

/** Sum of accountings (e.g. over the measured repetitions of a configuration). */
export function addAccounting(a: Accounting, b: Accounting): Accounting {
  const out = { ...a };
  for (const k of Object.keys(NO_ACCOUNTING) as Array<keyof Accounting>) out[k] += b[k];
  return out;
}

/** Received counts per producer index, summed over consumers (a killed consumer's journal included). */
function receivedByProducer(consumers: ConsumerSnapshot[]): Map<number, CountArray> {
  const received = new Map<number, CountArray>();
  for (const c of consumers) {
    for (const [pi, enc] of Object.entries(c.accounting.received)) {
      const counts = CountArray.decode(enc);
      const total = received.get(Number(pi));
      if (total) total.addAll(counts);
      else received.set(Number(pi), counts);
    }
  }
  return received;
}

/** Exact accounting by message id (producer index, sequence) across every producer and consumer of one repetition. */
export function accountMessages(producers: ProducerSnapshot[], consumers: ConsumerSnapshot[]): Accounting {
  const received = receivedByProducer(consumers);
  const a: Accounting = { ...NO_ACCOUNTING };
  const covered = new Set<number>();
  for (const p of producers) {
    const acked = BitSet.decode(p.accounting.acked);
    const counts = received.get(p.producerIndex);
    covered.add(p.producerIndex);
    a.produced += p.accounting.sent;
    a.failed += p.counters.failed;
    const end = p.accounting.firstSeq + p.accounting.sent;
    for (let id = p.accounting.firstSeq; id < end; id++) {
      const c = counts ? counts.get(id) : 0;
      if (acked.has(id)) {
        a.acked++;
        if (c === 0) a.lost++;
      } else if (c > 0) {
        a.unackedDelivered++;
      }
      if (c > 0) {
        a.consumed++;
        a.duplicates += c - 1;
      }
    }
  }
  // Ids of producers whose results are missing (a crashed role): still count what consumers saw.
  for (const [pi, counts] of received) {
    if (covered.has(pi)) continue;
    for (let id = 0; id < counts.length; id++) {
      const c = counts.get(id);
      if (c > 0) {
        a.consumed++;
        a.duplicates += c - 1;
        a.unackedDelivered++;
      }
    }
  }
  a.untracked = consumers.reduce((s, c) => s + c.accounting.untracked, 0);
  return a;
}
