// A node:test reporter beside the spec reporter: for each test file, the sum of its top-level tests' durations
// (they run one after another within a file, so this is how long the file keeps a slot busy) and whether one
// failed, written as JSON to its destination. (Not start and end times: node:test reports a file's events in
// file order, after the files before it.) The driver prints the slowest files from it, which keeps the
// `// test-duration: ~N s` estimates that order the files honest.
import fs from "node:fs";
import path from "node:path";

/**
 * node:test names the file where test() was called: a test made by a helper (test/helpers/notebooks.ts's
 * notebookTest) is charged to the test file that names it — the one whose source has the test name's first
 * word in quotes ("08-broker-failure.ipynb") — or to the helper if none does.
 */
function ownerOf(file, name, cache) {
  if (file.endsWith(".test.ts")) return file;
  const word = `"${name.split(" ")[0]}"`;
  const key = `${file}\0${word}`;
  if (!cache.has(key)) {
    const testDir = path.resolve(path.dirname(file), "..");
    const files = fs.readdirSync(testDir, { recursive: true }).filter((f) => f.endsWith(".test.ts")).map((f) => path.join(testDir, f));
    cache.set(key, files.find((f) => fs.readFileSync(f, "utf8").includes(word)) ?? file);
  }
  return cache.get(key);
}

export default async function* fileTimes(source) {
  const files = {};
  const owners = new Map();
  for await (const event of source) {
    const { file, name, nesting, details } = event.data ?? {};
    if (!file || nesting !== 0 || (event.type !== "test:pass" && event.type !== "test:fail")) continue;
    const f = (files[ownerOf(file, String(name ?? ""), owners)] ??= { busyMs: 0, failed: false });
    f.busyMs += details?.duration_ms ?? 0;
    if (event.type === "test:fail") f.failed = true;
  }
  yield JSON.stringify(files, null, 1);
}
