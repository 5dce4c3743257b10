/**
 * The lab's message headers: a unique id (producer index, sequence number) and the high-resolution
 * send time. Binary, fixed size, so writing and reading them costs a few nanoseconds.
 *
 * The send time is process.hrtime.bigint() — CLOCK_MONOTONIC, shared by every process on one host — so
 * end-to-end latency between roles on the same machine is exact to the microsecond. Kafka's CreateTime
 * (Date.now(), ms) is kept beside it for comparison and for consumers on other hosts.
 */
export const ID_HEADER = "plab-id";
export const TS_HEADER = "plab-ts";

export function encodeId(producerIndex: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(producerIndex, 0);
  b.writeUInt32BE(seq, 4);
  return b;
}

export function encodeTimestamp(hrNs: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(hrNs, 0);
  return b;
}

export interface LabHeaders {
  producerIndex: number;
  seq: number;
  sentHrNs: bigint;
}

/** Read the lab's headers from a consumed message; null if the message was not sent by an instrumented producer. */
export function readLabHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): LabHeaders | null {
  const id = headers?.[ID_HEADER];
  const ts = headers?.[TS_HEADER];
  if (!Buffer.isBuffer(id) || id.length !== 8 || !Buffer.isBuffer(ts) || ts.length !== 8) return null;
  return { producerIndex: id.readUInt32BE(0), seq: id.readUInt32BE(4), sentHrNs: ts.readBigInt64BE(0) };
}
