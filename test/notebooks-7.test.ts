// test-duration: ~100 s
// Notebook 13 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("13-cluster-capacity.ipynb", [/1 broker at 127\.0\.0\.1:\d+ · 3 brokers at 127\.0\.0\.1:\d+/, /Unthrottled producers against 1 and 3 brokers/, /Brokers × replication factor/, /3-broker cluster stopped/], 1);
