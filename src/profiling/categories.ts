import path from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../paths";

/**
 * Where a function lives: your code ("user"), the lab's own instrumentation ("lab" — never shown as your
 * code), an npm package ("dependency"), Node's internals ("node"), V8/native ("v8"), or the profiler's
 * pseudo-frames ("gc", "idle", "program").
 */
export type Category = "user" | "lab" | "dependency" | "node" | "v8" | "gc" | "idle" | "program";

export const CATEGORIES: Category[] = ["user", "lab", "dependency", "node", "v8", "gc", "program"];

/** A frame URL as a file path (file: URLs decoded); other URLs unchanged. */
export function toPath(url: string): string {
  if (url.startsWith("file:")) {
    try {
      return fileURLToPath(url);
    } catch {
      return url; // not a well-formed file URL: keep it as is
    }
  }
  return url;
}

/** The lab's own code: its compiled dist/ and its src/ (source-mapped), in the repo or installed as a package. */
function isLabCode(p: string, labRoot: string): boolean {
  return p.startsWith(path.join(labRoot, "dist") + path.sep) || p.startsWith(path.join(labRoot, "src") + path.sep);
}

/** Category of a (source-mapped) URL; `root` is the workspace, `labRoot` the kafka-perf-lab package. */
export function categorize(url: string, root?: string, labRoot: string = packageRoot): { category: Category; pkg: string | null } {
  if (!url) return { category: "v8", pkg: null };
  if (url.startsWith("node:") || !/^(file:|\/|[A-Za-z]:\\)/.test(url)) return { category: "node", pkg: null };
  const p = toPath(url);
  if (isLabCode(p, labRoot)) return { category: "lab", pkg: "kafka-perf-lab" };
  const m = /.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(p);
  if (m) {
    const pkg = m[1]!.replace(/\\/g, "/");
    return pkg === "kafka-perf-lab" ? { category: "lab", pkg } : { category: "dependency", pkg };
  }
  void root;
  return { category: "user", pkg: null };
}

/** "src/handler.ts:12:3" relative to the workspace root, or the full path. */
export function displayLocation(url: string, line: number, column: number, root?: string): string {
  const p = toPath(url);
  const shown = root && p.startsWith(root + path.sep) ? path.relative(root, p) : p;
  return `${shown}:${line}:${column}`;
}
