import fs from "node:fs";
import { CountArray } from "./idset";

/**
 * A consumer's receipt journal: the id (producer index, sequence) of every message it received, appended
 * to a file. It is flushed before every offset commit, so a consumer killed with SIGKILL still leaves the
 * record of everything it committed — exact accounting survives a crashed consumer. Buffered: a receipt
 * costs an 8-byte copy; the file is written in chunks (and at least every `flushMs`).
 */
export class ReceiptJournal {
  private fd: number;
  private buf = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private timer: NodeJS.Timeout | null;

  constructor(
    readonly file: string,
    flushMs = 200,
  ) {
    this.fd = fs.openSync(file, "w");
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
  }

  add(producerIndex: number, seq: number): void {
    if (this.used + 8 > this.buf.length) this.flush();
    this.buf.writeUInt32LE(producerIndex, this.used);
    this.buf.writeUInt32LE(seq, this.used + 4);
    this.used += 8;
  }

  /** Write what is buffered (synchronously: it must be on disk before the commit that follows). */
  flush(): void {
    if (this.used === 0 || this.fd < 0) return;
    fs.writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Receipts of a journal file as counts per producer index (a trailing partial record is ignored). */
export function readJournal(file: string): { received: Map<number, CountArray>; receipts: number } {
  const data = fs.readFileSync(file);
  const received = new Map<number, CountArray>();
  const n = Math.floor(data.length / 8);
  for (let i = 0; i < n; i++) {
    const p = data.readUInt32LE(i * 8);
    let c = received.get(p);
    if (!c) received.set(p, (c = new CountArray(4096)));
    c.increment(data.readUInt32LE(i * 8 + 4));
  }
  return { received, receipts: n };
}
