import zlib from "node:zlib";

/**
 * Exact message accounting needs one bit (acked) or one small counter (times consumed) per message id.
 * A growable bitset and a growable saturating byte counter, serialized deflated: 1M messages cost 125 kB
 * (bits) / 1 MB (counts) in memory and a few kB on disk when dense.
 */
export class BitSet {
  private bits: Uint8Array;
  private _max = -1;

  constructor(capacity = 1024) {
    this.bits = new Uint8Array(Math.max(1, Math.ceil(capacity / 8)));
  }

  add(i: number): void {
    const byte = i >>> 3;
    if (byte >= this.bits.length) this.grow(byte + 1);
    this.bits[byte]! |= 1 << (i & 7);
    if (i > this._max) this._max = i;
  }

  has(i: number): boolean {
    const byte = i >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (i & 7))) !== 0;
  }

  /** Highest id ever added, -1 when empty. */
  get max(): number {
    return this._max;
  }

  count(): number {
    let n = 0;
    for (const b of this.bits) n += POPCOUNT[b]!;
    return n;
  }

  encode(): string {
    return zlib.deflateRawSync(this.bits.subarray(0, (this._max >>> 3) + 1)).toString("base64");
  }

  static decode(encoded: string): BitSet {
    const bytes = new Uint8Array(zlib.inflateRawSync(Buffer.from(encoded, "base64")));
    const s = new BitSet(bytes.length * 8);
    s.bits.set(bytes);
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] !== 0) {
        s._max = i * 8 + 31 - Math.clz32(bytes[i]!);
        break;
      }
    }
    return s;
  }

  private grow(minBytes: number): void {
    const next = new Uint8Array(Math.max(minBytes, this.bits.length * 2));
    next.set(this.bits);
    this.bits = next;
  }
}

/** Per-id receive counter, saturating at 255 (a message received 255+ times is reported as 255). */
export class CountArray {
  private counts: Uint8Array;
  private _length = 0;

  constructor(capacity = 1024) {
    this.counts = new Uint8Array(Math.max(1, capacity));
  }

  increment(i: number): number {
    if (i >= this.counts.length) this.grow(i + 1);
    const c = this.counts[i]!;
    if (c < 255) this.counts[i] = c + 1;
    if (i >= this._length) this._length = i + 1;
    return c + 1;
  }

  get(i: number): number {
    return i < this._length ? this.counts[i]! : 0;
  }

  get length(): number {
    return this._length;
  }

  /** Add another array's counts into this one (saturating). */
  addAll(other: CountArray): void {
    if (other._length > this.counts.length) this.grow(other._length);
    for (let i = 0; i < other._length; i++) this.counts[i] = Math.min(255, this.counts[i]! + other.counts[i]!);
    this._length = Math.max(this._length, other._length);
  }

  encode(): string {
    return zlib.deflateRawSync(this.counts.subarray(0, this._length)).toString("base64");
  }

  static decode(encoded: string): CountArray {
    const bytes = new Uint8Array(zlib.inflateRawSync(Buffer.from(encoded, "base64")));
    const c = new CountArray(bytes.length);
    c.counts.set(bytes);
    c._length = bytes.length;
    return c;
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.counts.length * 2));
    next.set(this.counts);
    this.counts = next;
  }
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let b = i; b; b >>= 1) n += b & 1;
  return n;
});
