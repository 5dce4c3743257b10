// test-duration: ~115 s
// Notebooks 04 and 07 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("04-hot-spots.ipynb", [/Top 3 by calls/, /Top 3 by self/, /Top 3 by total/, /0x flamegraph: .*flamegraph\.html/, /examples\/ratings\/mean-processor\.ts/], 2);
notebookTest("07-partitions-consumers.ipynb", [/consume msg\/s/, /warning: consumers\.count \(2\) > topic\.partitions \(1\)/], 2);
