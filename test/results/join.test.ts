// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { OffsetLog } from "../../src/metrics/offsets";
import { decodeHistogram } from "../../src/metrics/histogram";
import { joinContent, joinOffsets } from "../../src/results/join";
import { ContentLog, contentId } from "../../src/metrics/content";

/** A producer's records: partition → [offset, sendMs][]. */
function producer(records: Record<number, Array<[number, number]>>): OffsetLog {
  const log = new OffsetLog(["sendMs"]);
  for (const [p, list] of Object.entries(records)) for (const [o, t] of list) log.add(Number(p), o, t);
  return log;
}

function consumer(records: Record<number, Array<[number, number, number?]>>, columns = ["receiveMs"]): OffsetLog {
  const log = new OffsetLog(columns);
  for (const [p, list] of Object.entries(records)) for (const [o, t, h] of list) log.add(Number(p), o, t, h ?? NaN);
  return log;
}

test("offset log: binary round trip of two time columns, many partitions and growth past the initial capacity", () => {
  const log = new OffsetLog(["receiveMs", "carriedSendMs"]);
  for (let i = 0; i < 5000; i++) log.add(i % 7, i, i * 0.5, i % 3 ? i : NaN);
  const back = OffsetLog.decode(log.encode(), ["receiveMs", "carriedSendMs"]);
  assert.equal(back.count, 5000);
  const p3 = back.partitions().find((x) => x.partition === 3)!.data;
  assert.equal(p3.offsets[1], 10);
  assert.equal(p3.times[0]![1], 5);
  assert.ok(Number.isNaN(p3.times[1]![0]!)); // offset 3: 3 % 3 === 0
  assert.throws(() => OffsetLog.decode(log.encode(), ["receiveMs"]), /2 time column\(s\), expected 1/);
  assert.throws(() => OffsetLog.decode(Buffer.from("nope"), ["x"]), /bad magic/);
});

test("join: a message acked and received once each — counted once, one latency of exactly receive − send", () => {
  const j = joinOffsets([{ log: producer({ 0: [[0, 10], [1, 11]] }), sent: 2, failed: 0 }], [{ roleId: "c0", log: consumer({ 0: [[0, 12.5], [1, 14]] }) }]);
  assert.deepEqual(j.accounting, { produced: 2, acked: 2, failed: 0, consumed: 2, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 });
  const h = decodeHistogram(j.e2eByConsumer.c0!);
  assert.equal(h.totalCount, 2);
  assert.equal(h.minNonZeroValue, 2500); // 12.5 − 10 ms = 2500 µs
  assert.ok(Math.abs(h.maxValue - 3000) <= 3); // 14 − 11 ms, 3 significant digits
});

test("join: lost, duplicates, delivered-but-unacked, a truncated offset acked twice, and a killed consumer's journal", () => {
  const p0 = producer({ 0: [[0, 1], [1, 1], [2, 1], [3, 1]], 1: [[0, 2], [1, 2]] });
  const p1 = producer({ 1: [[2, 3], [2, 4]] }); // partition 1 offset 2 acked twice: the log was truncated under the first
  const c0 = consumer({ 0: [[0, 5], [1, 5], [1, 6]], 1: [[0, 6], [1, 6], [2, 7]] }); // offset 0/1 twice
  const journal = Buffer.alloc(16);
  journal.writeUInt32LE(0, 0); // partition 0, offset 3: received by a consumer that was then killed
  journal.writeUInt32LE(3, 4);
  journal.writeUInt32LE(0, 8); // partition 0, offset 5: nobody acked it (a failed batch that was written)
  journal.writeUInt32LE(5, 12);
  const j = joinOffsets(
    [
      { log: p0, sent: 7, failed: 1 },
      { log: p1, sent: 2, failed: 0 },
    ],
    [{ roleId: "c0", log: c0 }, { roleId: "killed", log: null, journal }],
  );
  // Offset 0/2 was acked but nobody received it (lost); 1/2 was acked twice (one of the two is lost).
  assert.deepEqual(j.accounting, { produced: 9, acked: 8, failed: 1, consumed: 7, duplicates: 1, lost: 2, unackedDelivered: 1, untracked: 0 });
  assert.equal(j.collisions, 1);
  assert.equal(decodeHistogram(j.e2eByConsumer.killed!).totalCount, 0, "a journal has no receive times");
});

test("join cross-check: the send time a message carried equals the one recorded at its offset, or is counted as a mismatch", () => {
  const p = producer({ 0: [[0, 10], [1, 20]] });
  const ok = joinOffsets([{ log: p, sent: 2, failed: 0 }], [{ roleId: "c", log: consumer({ 0: [[0, 11, 10], [1, 21, 20.0004]] }, ["receiveMs", "carriedSendMs"]) }]);
  assert.deepEqual(ok.crossCheck, { compared: 2, mismatches: 0, maxDiffUs: ok.crossCheck!.maxDiffUs });
  assert.ok(ok.crossCheck!.maxDiffUs < 1);
  const bad = joinOffsets([{ log: p, sent: 2, failed: 0 }], [{ roleId: "c", log: consumer({ 0: [[0, 11, 10], [1, 21, 10]] }, ["receiveMs", "carriedSendMs"]) }]);
  assert.equal(bad.crossCheck!.mismatches, 1);
  assert.equal(bad.crossCheck!.maxDiffUs, 10_000);
  assert.equal(joinOffsets([{ log: p, sent: 2, failed: 0 }], [{ roleId: "c", log: consumer({ 0: [[0, 11]] }) }]).crossCheck, null, "no carrier, no cross-check");
});

test("join of 1M messages over 3 partitions: every one placed, none lost", () => {
  const p = new OffsetLog(["sendMs"]);
  const c = new OffsetLog(["receiveMs"]);
  for (let i = 0; i < 1_000_000; i++) {
    p.add(i % 3, Math.floor(i / 3), i * 0.001);
    c.add(i % 3, Math.floor(i / 3), i * 0.001 + 2);
  }
  const j = joinOffsets([{ log: p, sent: 1_000_000, failed: 0 }], [{ roleId: "c", log: c }]);
  assert.equal(j.accounting.consumed, 1_000_000);
  assert.equal(j.accounting.lost, 0);
});

test("content ids: key and value decide the id, the key's boundary counts, strings and buffers agree", () => {
  assert.equal(contentId("k", "v"), contentId(Buffer.from("k"), Buffer.from("v")));
  assert.notEqual(contentId("ab", "c"), contentId("a", "bc"));
  assert.notEqual(contentId("k", "v1"), contentId("k", "v2"));
  assert.equal(contentId(null, "v"), contentId("", "v"));
  const id = contentId("customer-1", '{"orderId":1}');
  assert.ok(Number.isSafeInteger(id) && id >= 0 && id < 2 ** 53);
  const log = new ContentLog();
  for (let i = 0; i < 3000; i++) log.add(contentId(null, String(i)), i / 2);
  const back = ContentLog.decode(log.encode());
  assert.equal(back.count, 3000);
  assert.equal(back.ids[2999], contentId(null, "2999"));
  assert.equal(back.times[2999], 1499.5);
  assert.throws(() => ContentLog.decode(log.encode().subarray(0, 100)), /truncated/);
});

test("the content join counts a multiset: lost, duplicates and delivered-but-unacked by content, with latency and loss times", () => {
  const produced = new ContentLog();
  // a, b, c acknowledged once; "same" acknowledged twice (two orders with equal content); d never acknowledged.
  for (const [id, t] of [["a", 10], ["b", 11], ["c", 12], ["same", 13], ["same", 14]] as const) produced.add(contentId(null, id), t);
  const received = new ContentLog();
  // a twice (redelivery), b once, "same" once (one of the two lost), d once (written but its send failed); c lost.
  for (const [id, t] of [["a", 20], ["a", 25], ["b", 21], ["same", 23], ["d", 30]] as const) received.add(contentId(null, id), t);
  const j = joinContent([{ log: produced, sent: 6, failed: 1 }], [{ roleId: "c0", log: received }]);
  assert.deepEqual(j.accounting, { produced: 6, acked: 5, failed: 1, consumed: 4, duplicates: 1, lost: 2, unackedDelivered: 1, untracked: 0 });
  assert.equal(j.accounting.acked - j.accounting.lost, j.accounting.consumed - j.accounting.unackedDelivered);
  assert.deepEqual(j.lostSendMs, [12, 13], "c, and one of the two equal orders");
  const h = decodeHistogram(j.e2eByConsumer.c0!);
  assert.equal(h.totalCount, 4, "a (twice), b, same: receipts of acknowledged content");
  assert.equal(h.minNonZeroValue, 10_000);
});

test("offset join: lost messages' send times are kept, in time order", () => {
  const j = joinOffsets([{ log: producer({ 0: [[0, 5], [1, 6], [2, 7]], 1: [[0, 3]] }), sent: 4, failed: 0 }], [{ roleId: "c", log: consumer({ 0: [[1, 9]] }) }]);
  assert.equal(j.accounting.lost, 3);
  assert.deepEqual(j.lostSendMs, [3, 5, 7]);
});
