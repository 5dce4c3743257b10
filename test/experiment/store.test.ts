// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsv, toCsv } from "../../src/results";

test("CSV round trip: numbers, booleans, empty cells, quotes and commas keep their types", () => {
  const rows = [
    { configId: "c1", rep: 1, t: 0.25, cold: true, note: 'a "quoted", text', lag: null, id: "007", exp: -1.5e-3 },
    { configId: "c2", rep: 2, t: 10, cold: false, note: "", lag: 3, id: "0x10", exp: 12 },
  ];
  const back = parseCsv(toCsv(rows));
  assert.deepEqual(back[0], { configId: "c1", rep: 1, t: 0.25, cold: true, note: 'a "quoted", text', lag: null, id: 7, exp: -0.0015 });
  assert.deepEqual(back[1], { configId: "c2", rep: 2, t: 10, cold: false, note: null, lag: 3, id: "0x10", exp: 12 });
  assert.deepEqual(parseCsv(""), []);
});
