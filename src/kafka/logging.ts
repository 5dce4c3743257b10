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
 * lab's own output. Appends one JSON line per entry; the file is opened lazily.
 */
export function fileLogCreator(file: string): logCreator {
  return () => {
    let fd: number | null = null;
    return ({ namespace, level, log }: LogEntry) => {
      if (fd === null) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fd = fs.openSync(file, "a");
      }
      const { message, timestamp, ...rest } = log;
      fs.writeSync(fd, JSON.stringify({ timestamp, level: LEVEL_NAMES[level] ?? level, namespace, message, ...rest }) + "\n");
    };
  };
}
