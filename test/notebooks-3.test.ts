// test-duration: ~125 s
// Notebook 05 (see notebooks-1.test.ts).
import { notebookTest } from "./helpers/notebooks";

notebookTest("05-bottleneck.ipynb", [/improved ÷ naive: [\d.]+× consume throughput/, /selfDeltaMs/, /Sink crash: ratings saved vs acknowledged/], 4);
