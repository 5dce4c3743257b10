import fs from "node:fs";
import { PerfLabError } from "../errors";

/** V8's CPU profile format (.cpuprofile, as Chrome DevTools and speedscope read it). */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
  positionTicks?: Array<{ line: number; ticks: number }>;
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs */
  startTime: number;
  endTime: number;
  /** Node id of the top frame of each sample. */
  samples: number[];
  /** µs between consecutive samples (the first is from startTime). */
  timeDeltas: number[];
}

/** A profile file that cannot be used: names the file and, when known, the role it belongs to. */
export class ProfileError extends PerfLabError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super("PROFILE_INVALID", message, { exitCode: 2, cause: opts.cause });
  }
}

function where(file: string, role?: string): string {
  return role ? `${file} (role ${role})` : file;
}

/** Read and check a .cpuprofile. A missing, truncated, corrupt or foreign file is one ProfileError naming it. */
export function readCpuProfile(file: string, opts: { role?: string } = {}): CpuProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ProfileError(`CPU profile ${where(file, opts.role)} not found or not readable${opts.role ? ": the role may have exited before writing it" : ""}`);
  }
  return parseCpuProfile(text, file, opts.role);
}

export function parseCpuProfile(text: string, file = "(profile)", role?: string): CpuProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const first = text.trimStart()[0];
    if (first !== "{" && first !== "[") throw new ProfileError(`${where(file, role)} is not a V8 CPU profile (a .cpuprofile is JSON)`, { cause: err });
    // Truncated: the parser ran out of input — at the end, or at a position past the last character (a cut
    // right after a "}" or "]" inside the document ends in a bracket too, so the last character cannot tell).
    const msg = (err as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const truncated = /end of JSON input/.test(msg) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    throw new ProfileError(`CPU profile ${where(file, role)} is ${truncated ? "truncated" : "not valid JSON"} (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  return checkCpuProfile(data, file, role);
}

/** Shape check: enough to tell a cpuprofile from a heap profile, a trace or other JSON, with a clear message. */
export function checkCpuProfile(data: unknown, file = "(profile)", role?: string): CpuProfile {
  const p = data as Partial<CpuProfile> & { head?: unknown; traceEvents?: unknown };
  const bad = (why: string) => new ProfileError(`${where(file, role)} is not a V8 CPU profile: ${why}`);
  if (!p || typeof p !== "object" || Array.isArray(p)) throw bad("expected a JSON object with nodes, samples and timeDeltas");
  if (p.head && !p.nodes) throw bad("it looks like a heap profile (.heapprofile); read it with readHeapProfile");
  if (p.traceEvents) throw bad("it looks like a Chrome trace (traceEvents), not a .cpuprofile");
  if (!Array.isArray(p.nodes) || p.nodes.length === 0) throw bad('"nodes" is missing or empty');
  if (!Array.isArray(p.samples) || !Array.isArray(p.timeDeltas)) throw bad('"samples" or "timeDeltas" is missing');
  if (p.samples.length !== p.timeDeltas.length) throw bad(`${p.samples.length} samples but ${p.timeDeltas.length} timeDeltas`);
  if (typeof p.startTime !== "number" || typeof p.endTime !== "number") throw bad('"startTime"/"endTime" are missing');
  const n0 = p.nodes[0] as Partial<CpuProfileNode>;
  if (typeof n0.id !== "number" || !n0.callFrame || typeof n0.callFrame.functionName !== "string") throw bad("nodes have no id/callFrame");
  return p as CpuProfile;
}
