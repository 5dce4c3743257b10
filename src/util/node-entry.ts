import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Node arguments that run one of the lab's own entry modules (watchdog, role) in a child process.
 * `fromFile` is the caller's `__filename`: from `dist/` the entry is compiled JS; when the lab runs from
 * `src/` under tsx (tests), the entry is TypeScript and needs tsx's loader in the child too — unless
 * PERFLAB_CHILDREN_FROM_DIST=1 says that `dist/` is built from this `src/` (the test driver checks it): then the
 * child runs the compiled entry, as a user's would. Measured: a role process costs 0.35 CPU-s from dist/ and
 * 0.57 under tsx (200 messages; tsx's loader and its transform of every module are the difference).
 */
export function nodeEntryArgs(fromFile: string, relativeEntry: string): string[] {
  const isTs = fromFile.endsWith(".ts");
  const entry = path.resolve(path.dirname(fromFile), relativeEntry + (isTs ? ".ts" : ".js"));
  if (!isTs) return [entry];
  if (process.env.PERFLAB_CHILDREN_FROM_DIST === "1") {
    const built = builtEntry(entry);
    if (built) return [built];
  }
  return ["--import", tsxLoaderUrl(), entry];
}

/** `<package>/src/a/b.ts` → `<package>/dist/a/b.js`, if that file exists. */
function builtEntry(tsEntry: string): string | null {
  const parts = tsEntry.split(path.sep);
  const i = parts.lastIndexOf("src");
  if (i < 0) return null;
  const built = [...parts.slice(0, i), "dist", ...parts.slice(i + 1)].join(path.sep).replace(/\.ts$/, ".js");
  return fs.existsSync(built) ? built : null;
}

/** file:// URL of tsx's loader, usable with `node --import` from any working directory. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve("tsx")).href;
}
