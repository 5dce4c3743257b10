import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Node arguments that run one of the lab's own entry modules (watchdog, role) in a child process.
 * `fromFile` is the caller's `__filename`: from `dist/` the entry is compiled JS; when the lab runs from
 * `src/` under tsx (tests), the entry is TypeScript and needs tsx's loader in the child too.
 */
export function nodeEntryArgs(fromFile: string, relativeEntry: string): string[] {
  const isTs = fromFile.endsWith(".ts");
  const entry = path.resolve(path.dirname(fromFile), relativeEntry + (isTs ? ".ts" : ".js"));
  return isTs ? ["--import", tsxLoaderUrl(), entry] : [entry];
}

/** file:// URL of tsx's loader, usable with `node --import` from any working directory. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve("tsx")).href;
}
