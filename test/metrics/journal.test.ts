// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceiptJournal, decodeReceipts } from "../../src/metrics/journal";

test("the receipt journal: 16 little-endian bytes a receipt, in order across full buffers, decoded back to the same receipts", async () => {
  const chunks: Buffer[] = [];
  const journal = new ReceiptJournal(async (c) => void chunks.push(c), 60_000);
  // 10,000 receipts: more than one 64 KiB buffer (4,096 receipts) fills and is handed over on its own.
  const n = 10_000;
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) journal.add(i % 3, i);
    else journal.add(i % 3, i, 7, i * 3);
  }
  journal.add(2, 4_000_000_000); // an offset past 2^31 (still below 2^32)
  await journal.close();
  assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
  const all = Buffer.concat(chunks);
  assert.equal(all.length, (n + 1) * 16);
  // The wire format, byte by byte: partition, offset, producer index (0xffffffff = none), sequence.
  assert.deepEqual([...all.subarray(16, 32)], [1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0]);
  assert.deepEqual([...all.subarray(0, 16)], [0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0]);
  const d = decodeReceipts(all);
  assert.equal(d.receipts, n + 1);
  for (const i of [0, 1, 4095, 4096, 4097, 9999]) {
    assert.equal(d.offsetPairs.readUInt32LE(i * 8), i % 3, `partition of receipt ${i}`);
    assert.equal(d.offsetPairs.readUInt32LE(i * 8 + 4), i, `offset of receipt ${i}`);
  }
  assert.equal(d.offsetPairs.readUInt32LE(n * 8 + 4), 4_000_000_000);
  // Ids: the odd receipts carried producer 7's sequence numbers 3i, once each.
  const counts = d.idCounts.get(7)!;
  assert.equal(d.idCounts.size, 1);
  for (const i of [1, 4097, 9999]) assert.equal(counts.get(i * 3), 1, `sequence ${i * 3}`);
  assert.equal(counts.get(2 * 3), 0, "an even receipt carried no id");
});

test("a flush hands over only what was added since the last one, and waits for the sink", async () => {
  const chunks: Buffer[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const journal = new ReceiptJournal(async (c) => {
    await gate;
    chunks.push(c);
  }, 60_000);
  journal.add(0, 1);
  const first = journal.flush();
  journal.add(0, 2);
  journal.add(0, 3);
  const second = journal.flush();
  let settled = false;
  void second.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "the flush waits for the sink");
  release();
  await Promise.all([first, second]);
  await journal.close();
  assert.deepEqual(chunks.map((c) => c.length / 16), [1, 2]);
  assert.deepEqual([...decodeReceipts(Buffer.concat(chunks)).offsetPairs].filter((_, i) => i % 8 === 4), [1, 2, 3]);
});
