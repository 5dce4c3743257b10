// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { BitSet, CountArray } from "../../src/metrics/idset";

test("a bitset grows, counts and survives encoding", () => {
  const s = new BitSet(8);
  for (const i of [0, 3, 7, 8, 1000, 123_456]) s.add(i);
  s.add(3);
  assert.equal(s.count(), 6);
  assert.equal(s.max, 123_456);
  const back = BitSet.decode(s.encode());
  assert.equal(back.count(), 6);
  assert.equal(back.max, 123_456);
  for (const i of [0, 3, 7, 8, 1000, 123_456]) assert.ok(back.has(i));
  assert.ok(!back.has(5) && !back.has(123_457) && !back.has(10_000_000));
});

test("an empty bitset encodes and decodes", () => {
  const back = BitSet.decode(new BitSet().encode());
  assert.equal(back.count(), 0);
  assert.equal(back.max, -1);
});

test("receive counters count, saturate at 255, add up and survive encoding", () => {
  const c = new CountArray(4);
  c.increment(2);
  assert.equal(c.increment(2), 2);
  c.increment(10);
  for (let i = 0; i < 300; i++) c.increment(0);
  assert.equal(c.get(0), 255);
  const d = CountArray.decode(c.encode());
  assert.equal(d.length, 11);
  assert.deepEqual([d.get(0), d.get(1), d.get(2), d.get(10), d.get(99)], [255, 0, 2, 1, 0]);
  const e = new CountArray();
  e.increment(2);
  e.increment(20);
  d.addAll(e);
  assert.deepEqual([d.get(2), d.get(20), d.length], [3, 1, 21]);
});
