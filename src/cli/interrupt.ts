/**
 * Route Ctrl-C / SIGTERM to a cleanup callback for the duration of one operation. A second signal
 * while cleaning up is ignored (cleanup is bounded by its own timeouts). Returns a release function.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  let fired = false;
  const listener = (signal: NodeJS.Signals) => {
    if (fired) return;
    fired = true;
    process.stderr.write(`\nperflab: ${signal} received, stopping what was started …\n`);
    handler(signal);
  };
  process.on("SIGINT", listener);
  process.on("SIGTERM", listener);
  return () => {
    process.off("SIGINT", listener);
    process.off("SIGTERM", listener);
  };
}
