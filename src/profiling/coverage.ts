import { Session } from "node:inspector/promises";
import type { CallCountEntry } from "./table";

let early: Session | null = null;

/**
 * Start V8 precise coverage (call counts) before the code to count is loaded — the first thing a
 * role process started for a "calls" repetition does. Measured on Node 20: functions compiled *before*
 * coverage started count every resumption of an async function (or generator) after an `await`/`yield`
 * as a call (an async function awaited twice showed 17 calls for 5); compiled after it, and with TurboFan
 * off (`--no-opt`, or inlined calls go uncounted), the counts are the invocations, exactly.
 */
export async function startEarlyCoverage(): Promise<void> {
  if (early) return;
  const s = new Session();
  s.connect();
  await s.post("Profiler.enable");
  await s.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  early = s;
}

/** The session of startEarlyCoverage(), or null when this process did not start coverage early. */
export function earlyCoverageSession(): Session | null {
  return early;
}

interface CoverageFunction {
  functionName: string;
  ranges: Array<{ startOffset: number; endOffset: number; count: number }>;
}
interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: CoverageFunction[];
}

/**
 * Precise coverage gives character offsets into each script's source as V8 compiled it (for TypeScript:
 * the code tsx produced, which is only in memory). Turn them into line/column ranges while the session
 * can still read those sources, so the function table can match them to profile frames later.
 * Only scripts loaded from files (your code and node_modules); Node's internals are left out.
 */
export async function coverageToCalls(session: Session, result: ScriptCoverage[]): Promise<CallCountEntry[]> {
  const out: CallCountEntry[] = [];
  await session.post("Debugger.enable");
  try {
    for (const script of result) {
      if (!script.url.startsWith("file:")) continue;
      let source: string;
      try {
        ({ scriptSource: source } = await session.post("Debugger.getScriptSource", { scriptId: script.scriptId }));
      } catch {
        continue; // the script was collected meanwhile: its functions cannot be placed
      }
      const lineStarts = [0];
      for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) lineStarts.push(i + 1);
      const pos = (offset: number): [number, number] => {
        let lo = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (lineStarts[mid]! <= offset) lo = mid;
          else hi = mid - 1;
        }
        return [lo, offset - lineStarts[lo]!];
      };
      for (const f of script.functions) {
        const r = f.ranges[0];
        if (!r || (r.startOffset === 0 && f.functionName === "")) continue; // the module wrapper itself
        const [startLine, startColumn] = pos(r.startOffset);
        const [endLine, endColumn] = pos(r.endOffset);
        out.push({ url: script.url, functionName: f.functionName, startLine, startColumn, endLine, endColumn, count: r.count });
      }
    }
  } finally {
    await session.post("Debugger.disable");
  }
  return out;
}
