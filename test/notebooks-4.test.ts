// test-duration: ~130 s
// Notebooks 06 and 10 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("06-producer-config.ipynb", [/completed: 8 configurations/, /send→ack p99 \(ms\)/], 1);
notebookTest("10-clients.ipynb", [/clients: kafkajs, platformatic/, /completed: kafkajs vs platformatic/, /CPU per message from the producer profiles — kafkajs: [\d.]+ µs busy per message/, /Top functions by self time — consumer/, /producer CPU \(µs\/msg\)/], 2);
