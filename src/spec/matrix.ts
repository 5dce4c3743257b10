import path from "node:path";
import YAML from "yaml";
import { InputError } from "../errors";

/** Matrix and overrides: pure functions over raw (not yet validated) specs. */

/**
 * Apply `--set key=value` overrides to a raw spec. Values are read as YAML (`5`, `true`, `[0, 1]`, `lz4`).
 * `matrix.<spec path>` addresses a matrix entry (its key itself contains dots).
 */
export function applySets(raw: unknown, sets: string[]): Record<string, unknown> {
  const out = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new InputError("BAD_SET", `--set ${s}: expected key=value`, { field: "--set" });
    const key = s.slice(0, eq).trim();
    const valueText = s.slice(eq + 1);
    let value: unknown;
    try {
      value = valueText === "" ? "" : YAML.parse(valueText);
    } catch {
      value = valueText;
    }
    const parts = key.startsWith("matrix.") ? ["matrix", key.slice("matrix.".length)] : key.split(".");
    if (parts.some((p) => p === "")) throw new InputError("BAD_SET", `--set ${s}: "${key}" is not a field path`, { field: "--set" });
    let obj = out;
    for (const p of parts.slice(0, -1)) {
      if (obj[p] === undefined || obj[p] === null) obj[p] = {};
      if (typeof obj[p] !== "object" || Array.isArray(obj[p])) throw new InputError("BAD_SET", `--set ${s}: ${p} is not a section`, { field: "--set" });
      obj = obj[p] as Record<string, unknown>;
    }
    obj[parts[parts.length - 1]!] = value;
  }
  return out;
}

/** `--quick`: shrink counts for CI and first tries, keeping the matrix (defaults or the spec's `quick` block). */
export function applyQuick(raw: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(raw);
  const q = (out.quick ?? {}) as Record<string, number>;
  const workload = ((out.workload ??= {}) as Record<string, unknown>);
  const cap = (v: unknown, max: number) => (typeof v === "number" ? Math.min(v, max) : v);
  if (workload.durationSec !== undefined) workload.durationSec = q.durationSec ?? cap(workload.durationSec, 3);
  else workload.messages = q.messages ?? cap(workload.messages ?? 10_000, 2000);
  out.repetitions = q.repetitions ?? cap(out.repetitions ?? 5, 3);
  out.warmup = q.warmup ?? 0;
  const matrix = out.matrix as Record<string, unknown[]> | undefined;
  if (matrix?.["workload.messages"]) matrix["workload.messages"] = matrix["workload.messages"].map((v) => q.messages ?? cap(v, 2000));
  if (matrix?.["workload.durationSec"]) matrix["workload.durationSec"] = matrix["workload.durationSec"].map((v) => q.durationSec ?? cap(v, 3));
  return out;
}

/** "acks=-1 lingerMs=5": the last path segment of each key, or the whole key where segments collide. */
export function matrixLabels(points: Array<Record<string, unknown>>): string[] {
  const keys = Object.keys(points[0] ?? {});
  const last = keys.map((k) => k.slice(k.lastIndexOf(".") + 1));
  const short = keys.map((k, i) => (last.filter((l) => l === last[i]).length > 1 ? k : last[i]!));
  return points.map((p) => keys.map((k, i) => `${short[i]}=${fmtValue(p[k])}`).join(" "));
}

function fmtValue(v: unknown): string {
  if (typeof v === "string" && v.includes("/")) return path.basename(v).replace(/\.(c|m)?[jt]s$/, "");
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** All combinations of matrix values, in key order (the first key varies slowest). */
export function matrixPoints(matrix: Record<string, unknown[]>): Array<Record<string, unknown>> {
  let points: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/** The raw spec with matrix values set at their paths and the matrix removed. */
export function withParams(raw: Record<string, unknown>, params: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(raw);
  delete out.matrix;
  delete out.variants;
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split(".");
    let obj = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof obj[p] !== "object" || obj[p] === null) obj[p] = {};
      obj = obj[p] as Record<string, unknown>;
    }
    obj[parts[parts.length - 1]!] = value;
  }
  return out;
}

