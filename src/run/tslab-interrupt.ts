/**
 * A kernel interrupt in tslab ends the cell at once and prints its "Interrupted asynchronously" error
 * with ~15 lines of tslab's own stack trace, while the run goes on stopping its roles in the background.
 * Inside tslab, that print becomes one line saying what happened to the runs of this kernel and where their
 * partial results are. (tslab prints through console.error after every SIGINT listener has run.)
 */
const TSLAB_INTERRUPT = "Interrupted asynchronously";
const KEY = Symbol.for("kafka-perf-lab.interruptLine");

interface Registry {
  running: Map<string, string>;
}

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  let r = g[KEY];
  if (!r) {
    r = g[KEY] = { running: new Map() };
    const reg = r;
    const original = console.error.bind(console);
    console.error = (...args: unknown[]) => {
      if (args.length === 1 && args[0] instanceof Error && args[0].message === TSLAB_INTERRUPT) {
        const runs = [...reg.running.values()];
        original(runs.length ? `Interrupted: the run stops its roles and keeps what it measured in ${runs.join(", ")}` : "Interrupted.");
        return;
      }
      original(...args);
    };
  }
  return r;
}

/** While a run executes in a tslab kernel: an interrupt names its directory in one line. Returns the release. */
export function reportInterruptsOf(runId: string, runDir: string): () => void {
  const r = registry();
  r.running.set(runId, runDir);
  return () => void r.running.delete(runId);
}
