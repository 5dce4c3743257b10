// test-duration: ~225 s
// Notebooks 07 and 10 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("07-partitions-consumers.ipynb", [/consume msg\/s/, /warning: consumers\.count \(2\) > topic\.partitions \(1\)/], 2);
notebookTest("10-clients.ipynb", [/clients: kafkajs, platformatic/, /completed: kafkajs vs platformatic/, /CPU per message from the producer profiles — kafkajs: [\d.]+ µs busy per message/, /Top functions by self time — consumer/, /producer CPU \(µs\/msg\)/], 2);
