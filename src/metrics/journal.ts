import os from "node:os";
import { CountArray } from "./idset";

/** Where journal records go: resolves once they are safe from this process dying (e.g. handed to the kernel). */
export type JournalSink = (records: Buffer) => Promise<void>;

/** "No lab id" in a journal record. */
const NO_ID = 0xffffffff;
const RECORD = 16;
const WORDS = RECORD / 4;
const BIG_ENDIAN = os.endianness() === "BE";

/**
 * A consumer's receipt journal: per message received, 16 bytes — its partition and offset, and the lab's
 * id (producer index, sequence) when it carried one. It is flushed before every offset commit (the commit
 * waits for the flush), so a consumer killed with SIGKILL still leaves the record of everything it
 * committed — exact accounting survives a crashed consumer. A receipt costs a 16-byte copy; records go
 * out in chunks, at least every `flushMs`.
 */
export class ReceiptJournal {
  // Records are written as four 32-bit words into a typed array (~15 ns a receipt with its share of the
  // flushes) rather than with Buffer#writeUInt32LE (~65 ns: four checked calls), measured per message; the
  // bytes sent are little-endian either way (swapped on a big-endian host).
  private words = new Uint32Array((64 * 1024) / 4);
  private used = 0; // in words
  private timer: NodeJS.Timeout | null;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: JournalSink,
    flushMs = 200,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** One receipt. Offsets are below 2^32: every repetition writes to a topic of its own, from offset 0. */
  add(partition: number, offset: number, producerIndex: number = NO_ID, seq = 0): void {
    if (this.used + WORDS > this.words.length) void this.flush();
    const w = this.words;
    const at = this.used;
    w[at] = partition;
    w[at + 1] = offset;
    w[at + 2] = producerIndex;
    w[at + 3] = seq;
    this.used = at + WORDS;
  }

  /** Hand what is buffered to the sink; resolves when it (and every earlier flush) is safe. */
  flush(): Promise<void> {
    if (this.used > 0) {
      const chunk = Buffer.from(this.words.buffer.slice(0, this.used * 4)); // a copy: the array is reused
      if (BIG_ENDIAN) chunk.swap32();
      this.used = 0;
      this.pending = this.pending.then(() => this.sink(chunk));
    }
    return this.pending;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

/**
 * Journal records decoded: counts per lab id (producer index → sequence counts), the (partition, offset)
 * pairs as 8-byte little-endian records for the offset join, and the number of receipts. A trailing
 * partial record is ignored.
 */
export function decodeReceipts(data: Uint8Array): { idCounts: Map<number, CountArray>; offsetPairs: Buffer; receipts: number } {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = Math.floor(b.length / RECORD);
  const idCounts = new Map<number, CountArray>();
  const offsetPairs = Buffer.alloc(n * 8);
  for (let i = 0; i < n; i++) {
    const at = i * RECORD;
    offsetPairs.writeUInt32LE(b.readUInt32LE(at), i * 8);
    offsetPairs.writeUInt32LE(b.readUInt32LE(at + 4), i * 8 + 4);
    const p = b.readUInt32LE(at + 8);
    if (p === NO_ID) continue;
    let c = idCounts.get(p);
    if (!c) idCounts.set(p, (c = new CountArray(4096)));
    c.increment(b.readUInt32LE(at + 12));
  }
  return { idCounts, offsetPairs, receipts: n };
}
