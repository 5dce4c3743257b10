import fs from "node:fs";
import path from "node:path";
import { findSourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { PositionMap } from "./table";

type Frame = { url: string; lineNumber: number; columnNumber: number };

/**
 * Inside the profiled process: map every frame position through the source maps Node has loaded
 * (Node does not apply them to profiles itself). This reaches TypeScript compiled in memory by tsx,
 * whose maps exist nowhere on disk. Needs source maps enabled before the code loaded (role-main does).
 */
export function mapPositions(frames: Frame[]): PositionMap {
  const out: PositionMap = {};
  for (const f of frames) {
    const file = filePath(f.url);
    if (!file || f.lineNumber < 0) continue;
    const key = `${f.url}:${f.lineNumber}:${f.columnNumber}`;
    if (key in out) continue;
    const map = findSourceMap(file) ?? findSourceMap(pathToFileURL(file).href);
    if (!map) continue;
    const e = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (e && e.originalSource !== undefined && e.originalLine !== undefined) {
      const src = e.originalSource.startsWith("file:") ? e.originalSource : pathToFileURL(path.resolve(path.dirname(file), e.originalSource)).href;
      out[key] = [src, e.originalLine, e.originalColumn ?? 0];
    }
  }
  return out;
}

/**
 * Outside the profiled process (any .cpuprofile, e.g. from `node --cpu-prof`): map frames of compiled
 * files that carry a `sourceMappingURL` to a .map file next to them, with @jridgewell/trace-mapping.
 */
export function mapPositionsFromFiles(frames: Frame[]): PositionMap {
  const out: PositionMap = {};
  const maps = new Map<string, TraceMap | null>();
  for (const f of frames) {
    const file = filePath(f.url);
    if (!file || f.lineNumber < 0) continue;
    const key = `${f.url}:${f.lineNumber}:${f.columnNumber}`;
    if (key in out) continue;
    let map = maps.get(file);
    if (map === undefined) maps.set(file, (map = loadMap(file)));
    if (!map) continue;
    const o = originalPositionFor(map, { line: f.lineNumber + 1, column: f.columnNumber });
    if (o.source !== null && o.line !== null) {
      const src = o.source.startsWith("file:") ? o.source : pathToFileURL(path.resolve(path.dirname(file), o.source)).href;
      out[key] = [src, o.line - 1, o.column ?? 0];
    }
  }
  return out;
}

/** A frame URL as a file path: file:// URLs and absolute paths (heap profiles use plain paths); else null. */
function filePath(url: string): string | null {
  if (url.startsWith("file:")) return fileURLToPath(url);
  return path.isAbsolute(url) ? url : null;
}

function loadMap(file: string): TraceMap | null {
  try {
    const code = fs.readFileSync(file, "utf8");
    const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code);
    if (!m || m[1]!.startsWith("data:")) return null;
    const mapFile = path.resolve(path.dirname(file), m[1]!);
    return new TraceMap(fs.readFileSync(mapFile, "utf8"), pathToFileURL(mapFile).href);
  } catch {
    return null; // no map: the frame keeps its generated position
  }
}
