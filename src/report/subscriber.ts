import { errorMessage } from "../errors";
import type { RunEvents } from "../experiment/events";
import type { EventBus } from "../util/events";
import { writeRunReport } from "./run-report";

/** Write report.html when a run ends (also a failed or interrupted one). A report that cannot be built is a warning, never a failed run. */
export function attachReportWriter(events: EventBus<RunEvents>, warn: (line: string) => void = (l) => process.emitWarning(l)): () => void {
  let runDir: string | null = null;
  const offs = [
    events.on("run:start", (e) => void (runDir = e.payload.runDir)),
    events.on("run:end", () => {
      if (!runDir) return;
      try {
        writeRunReport(runDir);
      } catch (err) {
        warn(`report.html could not be written: ${errorMessage(err)}`);
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
