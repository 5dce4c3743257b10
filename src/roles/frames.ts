/**
 * Framing of the control channel: each frame is a JSON header and an optional binary body,
 *   [u32 header length][u32 body length][header: UTF-8 JSON][body]
 * so results carry their typed arrays (offsets, times, receipts) as bytes instead of base64 inside JSON.
 * Written by hand: it is twenty lines, and the stream libraries on npm that do length-prefixing frame a
 * single buffer, not a header with a body.
 */
export interface Frame {
  header: unknown;
  body: Buffer | null;
}

const PREFIX = 8;

export function encodeFrame(header: unknown, body?: Uint8Array | null): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.allocUnsafe(PREFIX);
  prefix.writeUInt32BE(json.length, 0);
  prefix.writeUInt32BE(body?.length ?? 0, 4);
  return body && body.length ? [prefix, json, Buffer.from(body.buffer, body.byteOffset, body.byteLength)] : [prefix, json];
}

/** Reassembles frames from stream chunks of any size. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Add a chunk; returns every frame completed by it, in order. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.buffered < PREFIX) return out;
      const head = this.peek(PREFIX);
      const headerLen = head.readUInt32BE(0);
      const bodyLen = head.readUInt32BE(4);
      const total = PREFIX + headerLen + bodyLen;
      if (this.buffered < total) return out;
      const frame = this.take(total);
      const header = JSON.parse(frame.toString("utf8", PREFIX, PREFIX + headerLen)) as unknown;
      out.push({ header, body: bodyLen ? frame.subarray(PREFIX + headerLen) : null });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}
