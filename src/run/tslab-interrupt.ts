/**
 * A kernel interrupt in tslab ends the cell at once and prints its "Interrupted asynchronously" error with
 * ~15 lines of tslab's own stack trace, while the run goes on stopping its roles in the background. Inside
 * tslab, that print becomes one line saying where the run keeps what it measured.
 *
 * How: tslab prints through a console it captured at kernel start (patching `console.error` does nothing),
 * and that console writes to `process.stderr.write`, which tslab points at the cell's output. On SIGINT
 * (tslab's own listener has just rejected the cell; it prints a few microtasks later) the run wraps that
 * write for one message: the interrupt error becomes the line, anything else passes through unchanged.
 */
const TSLAB_INTERRUPT = "Error: Interrupted asynchronously";

type Write = typeof process.stderr.write;

/** While a run executes in a tslab kernel: an interrupt names its directory in one line. Returns the release. */
export function reportInterruptsOf(runDir: string): () => void {
  const onSigint = () => {
    const write: Write = process.stderr.write;
    const filtered = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : "";
      if (text.startsWith(TSLAB_INTERRUPT)) {
        process.stderr.write = write;
        return (write as (s: string) => boolean).call(process.stderr, `Interrupted: the run stops its roles and keeps what it measured in ${runDir}\n`);
      }
      return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    } as Write;
    process.stderr.write = filtered;
    // tslab prints within microtasks of the signal; never leave the wrapper in place longer than that.
    setTimeout(() => {
      if (process.stderr.write === filtered) process.stderr.write = write;
    }, 2000).unref();
  };
  // Not in the cell's synchronous part: tslab runs it with vm's breakOnSigint, which takes every SIGINT
  // listener off and puts its own back afterwards; a listener added meanwhile leaves the kernel dying on
  // the next interrupt (measured: the kernel process exits instead of interrupting the cell).
  let released = false;
  setImmediate(() => {
    if (!released) process.on("SIGINT", onSigint);
  });
  return () => {
    released = true;
    process.off("SIGINT", onSigint);
  };
}
