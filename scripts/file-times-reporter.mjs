// A node:test reporter beside the spec reporter: for each test file, the sum of its top-level tests' durations
// (they run one after another within a file, so this is how long the file keeps a slot busy) and whether one
// failed, written as JSON to its destination. (Not start and end times: node:test reports a file's events in
// file order, after the files before it.) The driver prints the slowest files from it, which keeps the
// `// test-duration: ~N s` estimates that order the files honest.
export default async function* fileTimes(source) {
  const files = {};
  for await (const event of source) {
    const { file, nesting, details } = event.data ?? {};
    if (!file || nesting !== 0 || (event.type !== "test:pass" && event.type !== "test:fail")) continue;
    const f = (files[file] ??= { busyMs: 0, failed: false });
    f.busyMs += details?.duration_ms ?? 0;
    if (event.type === "test:fail") f.failed = true;
  }
  yield JSON.stringify(files, null, 1);
}
