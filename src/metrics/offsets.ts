/**
 * Offset records: per partition, the Kafka offsets of messages with one or more time columns (ms on the
 * runner's monotonic clock). A producer records (offset, send time) of every acknowledged message; a
 * consumer (offset, receive time) of every receipt. Joined after the repetition they give exact
 * accounting and end-to-end latency without adding a byte to the messages.
 *
 * Typed arrays that grow by doubling: 4 bytes per offset and 8 per time value — 12 bytes per message
 * with one time column, so 10 million messages cost 114 MiB (growth can briefly hold 1.5× that).
 */
export class OffsetColumns {
  offsets: Uint32Array;
  readonly times: Float64Array[];
  length = 0;

  constructor(readonly columns: number, capacity = 1024) {
    this.offsets = new Uint32Array(capacity);
    this.times = Array.from({ length: columns }, () => new Float64Array(capacity));
  }

  push(offset: number, t0: number, t1 = NaN): void {
    if (this.length === this.offsets.length) this.grow();
    const i = this.length++;
    this.offsets[i] = offset;
    this.times[0]![i] = t0;
    if (this.columns > 1) this.times[1]![i] = t1;
  }

  /** Room for `n` more records. */
  reserve(n: number): void {
    while (this.length + n > this.offsets.length) this.grow();
  }

  private grow(): void {
    const n = this.offsets.length * 2;
    const o = new Uint32Array(n);
    o.set(this.offsets);
    this.offsets = o;
    for (let c = 0; c < this.columns; c++) {
      const t = new Float64Array(n);
      t.set(this.times[c]!);
      (this.times as Float64Array[])[c] = t;
    }
  }
}

/** Offset records of one producer or consumer: partition → columns. `columns` names the time columns. */
export class OffsetLog {
  private readonly parts: Array<OffsetColumns | undefined> = [];

  constructor(readonly columns: string[]) {}

  /** Record one message: its partition, offset and time(s) (ms since the repetition's origin). */
  add(partition: number, offset: number, t0: number, t1 = NaN): void {
    let p = this.parts[partition];
    if (!p) this.parts[partition] = p = new OffsetColumns(this.columns.length);
    p.push(offset, t0, t1);
  }

  /** Record a run of consecutive offsets (an acknowledged batch): offsets base … base+n−1, times[i] − shift. */
  addRun(partition: number, baseOffset: number, times: ArrayLike<number>, count: number, shift = 0): void {
    let p = this.parts[partition];
    if (!p) this.parts[partition] = p = new OffsetColumns(this.columns.length);
    p.reserve(count);
    const at = p.length;
    const o = p.offsets;
    const t = p.times[0]!;
    for (let i = 0; i < count; i++) {
      o[at + i] = baseOffset + i;
      t[at + i] = times[i]! - shift;
    }
    if (this.columns.length > 1) p.times[1]!.fill(NaN, at, at + count);
    p.length += count;
  }

  get count(): number {
    let n = 0;
    for (const p of this.parts) if (p) n += p.length;
    return n;
  }

  partitions(): Array<{ partition: number; data: OffsetColumns }> {
    const out: Array<{ partition: number; data: OffsetColumns }> = [];
    this.parts.forEach((data, partition) => {
      if (data && data.length) out.push({ partition, data });
    });
    return out;
  }

  /**
   * Binary form (for the control channel and raw/ files): u32 magic, u32 columns, u32 partitions, then
   * per partition u32 partition, u32 count, count × u32 offsets, then count × f64 per column — f64 arrays
   * start on 8-byte boundaries (4 bytes of padding where needed). Little-endian.
   */
  encode(): Buffer {
    const parts = this.partitions();
    let size = 12;
    for (const { data } of parts) size = align8(size + 8 + data.length * 4) + data.length * 8 * this.columns.length;
    const b = Buffer.alloc(size);
    b.writeUInt32LE(MAGIC, 0);
    b.writeUInt32LE(this.columns.length, 4);
    b.writeUInt32LE(parts.length, 8);
    let at = 12;
    for (const { partition, data } of parts) {
      b.writeUInt32LE(partition, at);
      b.writeUInt32LE(data.length, at + 4);
      at += 8;
      Buffer.from(data.offsets.buffer, 0, data.length * 4).copy(b, at);
      at = align8(at + data.length * 4);
      for (const t of data.times) {
        Buffer.from(t.buffer, 0, data.length * 8).copy(b, at);
        at += data.length * 8;
      }
    }
    return b;
  }

  static decode(data: Uint8Array, columns: string[]): OffsetLog {
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (b.length < 12 || b.readUInt32LE(0) !== MAGIC) throw new Error("not an offset log (bad magic)");
    const nCols = b.readUInt32LE(4);
    if (nCols !== columns.length) throw new Error(`offset log has ${nCols} time column(s), expected ${columns.length}`);
    const log = new OffsetLog(columns);
    let at = 12;
    for (let k = b.readUInt32LE(8); k > 0; k--) {
      const partition = b.readUInt32LE(at);
      const n = b.readUInt32LE(at + 4);
      at += 8;
      const cols = new OffsetColumns(nCols, Math.max(1, n));
      cols.offsets.set(new Uint32Array(copy(b, at, n * 4)));
      at = align8(at + n * 4);
      for (let c = 0; c < nCols; c++) {
        cols.times[c]!.set(new Float64Array(copy(b, at, n * 8)));
        at += n * 8;
      }
      cols.length = n;
      log.parts[partition] = cols;
    }
    return log;
  }
}

const MAGIC = 0x6c6f6666; // "ffol"

const align8 = (n: number) => (n + 7) & ~7;

/** A copy of bytes as an ArrayBuffer (typed-array views need aligned, owned memory). */
function copy(b: Buffer, at: number, bytes: number): ArrayBuffer {
  const out = new ArrayBuffer(bytes);
  new Uint8Array(out).set(b.subarray(at, at + bytes));
  return out;
}
