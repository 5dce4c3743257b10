// test-kind: unit
// The test suite's own guard (test/helpers/linger.ts): a test file whose process is held open after its last test
// by a connection is named, with where the connection was opened, and the process then ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";

test("a test file that leaves a connection open: named with where it was opened, then closed so its process ends", { timeout: 60_000 }, async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "perflab-linger-")), "lingering.log");
  const fixture = path.join(__dirname, "..", "fixtures", "linger", "leaves-a-connection.ts");
  // The file run as a test file of its own (node --test runs each file in a process of its own, as this does).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "--test-reporter=spec", fixture], {
    env: { ...env, LINGER_PORT: String(port), PERFLAB_TEST_LINGER_MS: "500", PERFLAB_TEST_LINGER_LOG: log },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  for (const s of [child.stdout, child.stderr]) s.on("data", (d) => (out += d));
  // Without the guard the child would wait on the open connection for as long as the server keeps it.
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  server.close();
  assert.equal(code, 0, out);
  assert.match(out, new RegExp(`LINGERING: .*still alive 0\\.5 s after its last test`));
  assert.match(out, new RegExp(`→ 127\\.0\\.0\\.1:${port}, opened\\n(.*\\n)*.*leaves-a-connection\\.ts:\\d+`));
  // The connection the file's own after() hook closes (1.5 s after the test, longer than the 0.5 s allowed) is not named.
  assert.equal(out.match(/ → /g)?.length, 1, out);
  assert.match(fs.readFileSync(log, "utf8"), new RegExp(`leaves-a-connection\\.ts: 127\\.0\\.0\\.1:${port}\\n`));
});
