// test-duration: ~75 s
// Notebook 06 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("06-producer-config.ipynb", [/completed: 8 configurations/, /send→ack p99 \(ms\)/], 1);
