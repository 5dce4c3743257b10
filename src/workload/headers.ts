/**
 * How the lab's id and send time travel with a message: producer index (u32), sequence number (u32) and
 * the send time (f64, ms on the host-wide monotonic clock, see metrics/clock.ts) — 16 bytes, carried
 *
 * - "header" (default): one record header `plab`. One header, not two: kafkajs encodes and decodes every
 *   header with allocations of its own, so each header costs throughput (bench/instrumentation.mjs).
 * - "trailer": appended to the value with an 8-byte magic (24 bytes). Much cheaper in kafkajs; the
 *   instrumented consumer strips it before your handler sees the value — but consumers outside the lab
 *   would see it. For throughput experiments whose only consumers are the lab's.
 *
 * The send time shares CLOCK_MONOTONIC with every process on the host, so end-to-end latency between
 * roles on one machine is exact to the microsecond. Kafka's CreateTime (Date.now(), ms) is kept beside
 * it for comparison and for consumers on other hosts.
 */
export const LAB_HEADER = "plab";
export type { IdCarrier } from "../results/role-result";
export const TRAILER_BYTES = 24;
// "plab-id1" as two u32: the odds that a value ends like this by chance are 2^-64.
const MAGIC_HI = 0x706c6162;
const MAGIC_LO = 0x2d696431;

export function encodeLabHeader(producerIndex: number, seq: number, sendMs: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(producerIndex, 0);
  b.writeUInt32BE(seq, 4);
  b.writeDoubleBE(sendMs, 8);
  return b;
}

/** The value with the lab's trailer appended (one allocation). */
export function appendTrailer(value: string | Buffer | null, producerIndex: number, seq: number, sendMs: number): Buffer {
  const len = value === null ? 0 : typeof value === "string" ? Buffer.byteLength(value) : value.length;
  const b = Buffer.allocUnsafe(len + TRAILER_BYTES);
  if (typeof value === "string") b.write(value, 0);
  else if (value) value.copy(b, 0);
  b.writeUInt32BE(producerIndex, len);
  b.writeUInt32BE(seq, len + 4);
  b.writeDoubleBE(sendMs, len + 8);
  b.writeUInt32BE(MAGIC_HI, len + 16);
  b.writeUInt32BE(MAGIC_LO, len + 20);
  return b;
}

export interface LabHeader {
  producerIndex: number;
  seq: number;
  sendMs: number;
}

/** Read the lab's header from a consumed message; null if an instrumented producer did not send it. */
export function readLabHeader(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): LabHeader | null {
  const h = headers?.[LAB_HEADER];
  if (!Buffer.isBuffer(h) || h.length !== 16) return null;
  return { producerIndex: h.readUInt32BE(0), seq: h.readUInt32BE(4), sendMs: h.readDoubleBE(8) };
}

/** Read the lab's trailer from a value; null without one. */
export function readLabTrailer(value: Buffer | null): LabHeader | null {
  if (!value || value.length < TRAILER_BYTES) return null;
  const end = value.length;
  if (value.readUInt32BE(end - 4) !== MAGIC_LO || value.readUInt32BE(end - 8) !== MAGIC_HI) return null;
  return { producerIndex: value.readUInt32BE(end - 24), seq: value.readUInt32BE(end - 20), sendMs: value.readDoubleBE(end - 16) };
}
