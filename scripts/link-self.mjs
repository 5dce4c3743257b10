// Link the package into its own node_modules (node_modules/kafka-perf-lab → ..), so notebooks in
// notebooks/ and the examples import the lab by its package name — Node resolves it, and so does
// tslab's TypeScript checker, which refuses `../src/…` imports outside the notebook folder.
// Runs after every npm install / npm ci (postinstall), which would otherwise prune the link.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const link = path.join(root, "node_modules", "kafka-perf-lab");
let current;
try {
  current = fs.readlinkSync(link);
} catch {
  current = null; // no link yet
}
if (current !== "..") {
  fs.rmSync(link, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync("..", link, "dir");
}
