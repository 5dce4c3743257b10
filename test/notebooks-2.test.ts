// test-duration: ~160 s
// Notebooks 07 and 10 (see notebooks-1.test.ts).
import assert from "node:assert/strict";
import { notebookTest } from "./helpers/notebooks";

notebookTest("07-partitions-consumers.ipynb", [/consume msg\/s/, /warning: consumers\.count \(2\) > topic\.partitions \(1\)/], 2, (run) => {
  // The lab prints a spec's warnings as the run starts; the notebook printed them a second time after it.
  assert.equal(run.outputs.match(/warning: consumers\.count \(2\) > topic\.partitions \(1\)/g)?.length, 1, "each warning printed once");
});
notebookTest("10-clients.ipynb", [/clients: kafkajs, platformatic/, /completed: kafkajs vs platformatic/, /CPU per message from the producer profiles — kafkajs: [\d.]+ µs busy per message/, /Top functions by self time — consumer/, /producer CPU \(µs\/msg\)/], 2);
