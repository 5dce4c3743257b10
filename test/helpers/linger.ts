import fs from "node:fs";
import net from "node:net";
import { after } from "node:test";

/**
 * A test file's process ends when its last test does, unless something is left open. Once a kafkajs connection to
 * the shared broker kept a file's process alive 10 minutes after its last test (until Kafka's idle limit closed
 * it), and nothing said which. So: every TCP connection this process opens remembers where it was opened from;
 * `LINGER_MS` after the file's last test, if the process is still here, the connections still open are named on
 * stderr with those stacks, under a `LINGERING:` line the test driver reports, and closed so the suite goes on.
 * The test driver names such files at the end of the run (PERFLAB_TEST_LINGER_LOG). (Node's own --test-force-exit
 * would end the process but say nothing about the leak.)
 */
const LINGER_MS = Number(process.env.PERFLAB_TEST_LINGER_MS ?? 30_000);
const opened = new WeakMap<net.Socket, string>();
let installed = false;

export function watchLingering(): void {
  if (installed) return;
  installed = true;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    opened.set(this, (new Error().stack ?? "").split("\n").slice(2, 24).join("\n"));
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  // The clock starts when the file's own after() hooks are done: they run in the order they were registered, and
  // this one is registered once the file has been loaded, after every top-level after() of the file.
  setImmediate(() =>
    after(() => {
      setTimeout(report, LINGER_MS).unref();
    }),
  );
}

function report(): void {
  // process._getActiveHandles is undocumented, but the documented getActiveResourcesInfo() names types only.
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const sockets = handles.filter((h): h is net.Socket => h instanceof net.Socket && typeof h.remotePort === "number");
  const resources = process.getActiveResourcesInfo().join(", ");
  const lines = sockets.map((s) => `  ${s.localAddress}:${s.localPort} → ${s.remoteAddress}:${s.remotePort}, opened\n${opened.get(s) ?? "    (where: not recorded)"}`);
  process.stderr.write(`LINGERING: this test file's process is still alive ${LINGER_MS / 1000} s after its last test; open: ${resources}\n${lines.join("\n")}\n`);
  const log = process.env.PERFLAB_TEST_LINGER_LOG;
  if (log) fs.appendFileSync(log, `  ${process.argv[1]}: ${sockets.map((s) => `${s.remoteAddress}:${s.remotePort}`).join(", ") || resources}\n`);
  for (const s of sockets) s.destroy();
}
