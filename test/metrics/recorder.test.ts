// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import * as hdr from "hdr-histogram-js";
import { bucketIndex, bucketValue, LatencyRecorder } from "../../src/metrics/recorder";
import { createHistogram, encodeHistogram, recordUs } from "../../src/metrics/histogram";

test("the recorder's bucket index is HdrHistogram's, at every boundary and across the whole range", () => {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false }) as unknown as { countsArrayIndex(v: number): number };
  const values = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 4097, 1e5, 123_456, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 7, 3_600_000_000];
  for (let v = 1; v < 3_600_000_000; v = Math.ceil(v * 1.013) + 1) values.push(v);
  for (const v of values) {
    assert.equal(bucketIndex(v), h.countsArrayIndex(v), `index of ${v}`);
    assert.equal(bucketIndex(bucketValue(bucketIndex(v))), bucketIndex(v), `a bucket's value stays in it (${v})`);
  }
});

test("a recorder's histogram encodes exactly as recording every value into HdrHistogram", () => {
  const r = new LatencyRecorder();
  const direct = createHistogram({ wasm: false });
  let x = 12345;
  for (let i = 0; i < 200_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const us = (x % 5_000_000) / 7 + (i % 97 === 0 ? 9e8 : 0); // µs, with a far tail
    r.record(us);
    recordUs(direct, us);
  }
  r.record(-5); // clamped to 0, as recordUs
  recordUs(direct, -5);
  const h = r.toHistogram();
  assert.equal(h.totalCount, direct.totalCount);
  for (const p of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(h.getValueAtPercentile(p), direct.getValueAtPercentile(p), `p${p}`);
  assert.equal(encodeHistogram(h).length > 0, true);
  assert.equal(r.count, 200_001);
  assert.equal(r.min, 0);
});
