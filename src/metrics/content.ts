import crypto from "node:crypto";

/**
 * Content ids: a message named by what it carries — 53 bits of the SHA-1 of its key and value — for
 * producers the lab cannot see the offsets of (your own client in a `producers.script`, audited with
 * `producerAudit()`): the bytes on the wire stay exactly yours. Two messages with the same key and value
 * share an id; the content join counts them as a multiset. SHA-1 costs about 1 µs per small message in
 * the producer and in the consumer; collisions between different messages are negligible (2⁻⁵³ per pair).
 */
export function contentId(key: Buffer | string | null | undefined, value: Buffer | string | null | undefined): number {
  const h = crypto.createHash("sha1");
  const k = key === null || key === undefined ? EMPTY : typeof key === "string" ? Buffer.from(key) : key;
  // The key's length first, so ("ab", "c") and ("a", "bc") differ; a missing key and an empty one agree (Kafka keeps neither apart for us).
  LEN.writeUInt32LE(k.length, 0);
  h.update(LEN);
  h.update(k);
  if (value !== null && value !== undefined) h.update(value);
  const d = h.digest();
  return (d.readUInt32LE(0) & 0x1fffff) * 2 ** 32 + d.readUInt32LE(4);
}

const EMPTY = Buffer.alloc(0);
const LEN = Buffer.alloc(4);
const MAGIC = 0x434f4e31; // "CON1"

/** Content ids with one time each (send time for a producer, receive time for a consumer), growing by doubling. */
export class ContentLog {
  ids = new Float64Array(1024);
  times = new Float64Array(1024);
  length = 0;

  add(id: number, ms: number): void {
    if (this.length === this.ids.length) this.grow();
    this.ids[this.length] = id;
    this.times[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  private grow(): void {
    const ids = new Float64Array(this.ids.length * 2);
    ids.set(this.ids);
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.ids = ids;
    this.times = times;
  }

  /** u32 magic, u32 count, count × f64 ids, count × f64 times (little-endian). */
  encode(): Buffer {
    const b = Buffer.alloc(8 + this.length * 16);
    b.writeUInt32LE(MAGIC, 0);
    b.writeUInt32LE(this.length, 4);
    Buffer.from(this.ids.buffer, 0, this.length * 8).copy(b, 8);
    Buffer.from(this.times.buffer, 0, this.length * 8).copy(b, 8 + this.length * 8);
    return b;
  }

  static decode(data: Uint8Array): ContentLog {
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (b.length < 8 || b.readUInt32LE(0) !== MAGIC) throw new Error("not a content log (bad magic)");
    const n = b.readUInt32LE(4);
    if (b.length < 8 + n * 16) throw new Error(`content log truncated: ${n} records announced, ${Math.floor((b.length - 8) / 16)} present`);
    const log = new ContentLog();
    log.ids = new Float64Array(Math.max(1, n));
    log.times = new Float64Array(Math.max(1, n));
    log.ids.set(new Float64Array(b.buffer.slice(b.byteOffset + 8, b.byteOffset + 8 + n * 8)));
    log.times.set(new Float64Array(b.buffer.slice(b.byteOffset + 8 + n * 8, b.byteOffset + 8 + n * 16)));
    log.length = n;
    return log;
  }
}
