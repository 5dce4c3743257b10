// test-duration: ~155 s
// Notebook 11 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("11-durability-audit.ipynb", [/3 brokers at 127\.0\.0\.1:\d+/, /producer\.send\(\{ topic: ctx\.topic, acks: -1, messages: chunk \}\)/, /Loss per producer over all tries/, /tries with a loss/, /3-broker cluster stopped/], 3);
