import fs from "node:fs";
import path from "node:path";
import { logLevel, type logCreator, type LogEntry } from "kafkajs";
import { stateDir } from "../paths";

/** Where kafkajs logs of clients created outside a run go: `.perflab/logs/kafkajs.log` of the workspace. */
export function defaultKafkajsLog(): string {
  return path.join(stateDir(), "logs", "kafkajs.log");
}

const LEVEL_NAMES: Record<number, string> = { [logLevel.ERROR]: "ERROR", [logLevel.WARN]: "WARN", [logLevel.INFO]: "INFO", [logLevel.DEBUG]: "DEBUG" };

/**
 * kafkajs log lines go to a file, not the terminal or the notebook: kafkajs logs transient errors
 * (coordinator not available, leader moved) at ERROR while it retries them, which would drown the
 * lab's own output. Appends one JSON line per entry; the file is created with the client (empty when
 * kafkajs had nothing to say), so every client's log is where the run says it is.
 */
export function fileLogCreator(file: string): logCreator {
  return () => {
    const write = fileLogWriter(file);
    return ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp, ...rest } = log;
      write(LEVEL_NAMES[level] ?? String(level), namespace, message, { timestamp, ...rest });
    };
  };
}

/**
 * A client's log as JSON lines in `file` (created now, so a run lists it even when the client never logs).
 * Opened per line, not held open: clients log rarely, and a kernel creating many clients leaks no descriptors.
 */
export function fileLogWriter(file: string): (level: string, namespace: string, message: string, extra?: Record<string, unknown>) => void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, "");
  return (level, namespace, message, extra = {}) => {
    fs.appendFileSync(file, JSON.stringify({ timestamp: new Date().toISOString(), level, namespace, message, ...extra }) + "\n");
  };
}
