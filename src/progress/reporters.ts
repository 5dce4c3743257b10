import { SingleBar } from "cli-progress";
import type { ProgressState, RunEvents } from "../experiment/events";
import type { EventBus } from "../util/events";
import { formatNumber } from "../util/format";

export interface ProgressReporter {
  update(s: ProgressState): void;
  /** A line of information (a finished repetition) that must stay visible. */
  log(line: string): void;
  /** A warning: shown even without a progress display. */
  warn(line: string): void;
  done(): void;
}

export type ProgressOption = "auto" | "cli" | "notebook" | "plain" | "none" | ProgressReporter;

export function createProgressReporter(option: ProgressOption = "auto"): ProgressReporter {
  if (typeof option === "object") return option;
  const kind = option === "auto" ? (inTslab() ? "notebook" : process.stderr.isTTY ? "cli" : "plain") : option;
  switch (kind) {
    case "cli":
      return new CliProgress();
    case "notebook":
      return new NotebookProgress();
    case "plain":
      return new PlainProgress();
    default:
      return { update: () => undefined, log: () => undefined, warn: (line) => process.stderr.write(`warning: ${line}\n`), done: () => undefined };
  }
}

/** True inside a tslab kernel (notebook). */
export function inTslab(): boolean {
  return process.argv.some((a) => /tslab/.test(a)) && process.argv.includes("kernel");
}

const fmtInt = (n: number) => formatNumber(n);

/** One-line description used by every display. */
export function progressLine(s: ProgressState): string {
  const count = s.expected ? `${fmtInt(s.acked)}/${fmtInt(s.expected)} acked` : `${fmtInt(s.acked)} acked`;
  return `config ${s.configIndex}/${s.configCount} [${s.configLabel}] · rep ${s.rep}/${s.repCount} (${s.repKind}) · ${s.stage} · ${count} · ${fmtInt(s.received)} received · ${fmtInt(s.rateMsgsPerSec)} msg/s`;
}

class CliProgress implements ProgressReporter {
  private readonly bar = new SingleBar(
    { format: "{bar} {percentage}% | {line}", stream: process.stderr, hideCursor: true, clearOnComplete: false, barsize: 24, fps: 5 },
  );
  private started = false;

  update(s: ProgressState): void {
    const fraction = s.expected ? Math.min(1, s.acked / s.expected) * 0.9 : 0;
    const value = Math.min(s.totalReps, s.doneReps + fraction);
    if (!this.started) {
      this.bar.start(s.totalReps, value, { line: progressLine(s) });
      this.started = true;
    } else this.bar.update(value, { line: progressLine(s) });
  }

  warn(line: string): void {
    this.log(`warning: ${line}`);
  }

  log(line: string): void {
    if (this.started) {
      // cli-progress redraws on the current line: clear it, print, let the next update redraw.
      process.stderr.write(`\r\x1b[2K${line}\n`);
    } else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (this.started) this.bar.stop();
  }
}

class PlainProgress implements ProgressReporter {
  private last = 0;
  update(s: ProgressState): void {
    const now = Date.now();
    if (now - this.last < 5000) return;
    this.last = now;
    process.stderr.write(`${progressLine(s)}\n`);
  }
  log(line: string): void {
    process.stderr.write(`${line}\n`);
  }
  warn(line: string): void {
    this.log(`warning: ${line}`);
  }
  done(): void {}
}

/** A single notebook output line updated in place (tslab's newDisplay), plus lines that stay. */
class NotebookProgress implements ProgressReporter {
  private display: { text(s: string): void } | null = null;
  private last = 0;
  private pending: ProgressState | null = null;

  private get tslab(): { newDisplay(): { text(s: string): void } } {
    return require("tslab");
  }

  update(s: ProgressState): void {
    this.pending = s;
    const now = Date.now();
    if (now - this.last < 500) return;
    this.last = now;
    this.display ??= this.tslab.newDisplay();
    this.display.text(progressLine(s));
  }

  log(line: string): void {
    console.log(line);
  }

  warn(line: string): void {
    console.log(`warning: ${line}`);
  }

  done(): void {
    if (this.pending && this.display) this.display.text(progressLine({ ...this.pending, stage: "done" }));
  }
}

/** Show a run's progress: subscribe a reporter to its events. Returns the unsubscribe function. */
export function attachProgress(events: EventBus<RunEvents>, option: ProgressOption = "auto"): () => void {
  const r = createProgressReporter(option);
  const offs = [
    events.on("repetition:progress", (e) => r.update(e.payload)),
    events.on("repetition:end", (e) => r.log(e.payload.line)),
    events.on("warning", (e) => r.warn(e.payload.message)),
    events.on("log", (e) => r.log(e.payload.message)),
    events.on("run:end", () => r.done()),
  ];
  return () => offs.forEach((off) => off());
}
