import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { ZodIssue } from "zod";
import { InputError } from "../errors";
import { MATRIX_KEYS, SpecSchema, type ExperimentSpec } from "./spec";

/** One problem in a spec, named by its field path (`producers.acks`, `matrix.producers.lingerMs[2]`). */
export interface SpecIssue {
  path: string;
  message: string;
}

/** A spec that does not validate. `issues` has one line per problem; `message` is the first one. */
export class SpecError extends InputError {
  readonly issues: SpecIssue[];
  readonly file: string | null;
  constructor(issues: SpecIssue[], file: string | null) {
    const lines = issues.map((i) => `${file ? `${file}: ` : ""}${i.path ? `${i.path}: ` : ""}${i.message}`);
    super("SPEC_INVALID", lines.join("\n"), { field: issues[0]?.path });
    this.issues = issues;
    this.file = file;
  }
}

/** One point of the matrix: the spec with the point's values applied. */
export interface Configuration {
  /** "c1", "c2", … in matrix order. */
  id: string;
  index: number;
  /** Matrix key → value of this point ({} without a matrix). */
  params: Record<string, unknown>;
  /** Short human label: "acks=-1 lingerMs=5" (or the spec name without a matrix). */
  label: string;
  spec: ExperimentSpec;
}

export interface ValidatedSpec {
  spec: ExperimentSpec;
  configurations: Configuration[];
  warnings: string[];
  /** Folder that relative paths in the spec (handler, source, kafka.configFile) are resolved against. */
  baseDir: string;
}

/** Read a YAML or JSON spec file. Missing file / malformed YAML → one InputError naming the file. */
export function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new InputError("SPEC_NOT_FOUND", `spec file ${file} not found or not readable`, { field: file });
  }
  try {
    const doc = YAML.parse(text, { prettyErrors: true });
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      throw new InputError("SPEC_INVALID", `${file}: the spec must be a mapping with at least "name"`, { field: file });
    }
    return doc;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const first = String((err as Error).message).split("\n")[0];
    throw new InputError("SPEC_MALFORMED", `${file}: not valid YAML/JSON: ${first}`, { field: file });
  }
}

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

/** Validate a raw spec: schema, then meaning across fields, then every matrix configuration. */
export function validateSpec(raw: unknown, opts: { baseDir?: string; file?: string | null } = {}): ValidatedSpec {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const file = opts.file ?? null;
  const parsed = SpecSchema.safeParse(raw);
  if (!parsed.success) throw new SpecError(zodIssues(parsed.error.issues, raw), file);
  const spec = parsed.data;
  const issues: SpecIssue[] = [];
  const warnings: string[] = [];
  // Matrix keys first: configurations are validated with the matrix values applied.
  for (const key of Object.keys(spec.matrix)) {
    if (!MATRIX_KEYS.includes(key)) issues.push({ path: `matrix.${key}`, message: `cannot be varied (known keys: ${MATRIX_KEYS.join(", ")})` });
  }
  for (const [variant, params] of Object.entries(spec.variants)) {
    if (!/^[^\n\r]{1,60}$/.test(variant)) issues.push({ path: `variants.${variant}`, message: "names are 1 to 60 characters on one line" });
    for (const key of Object.keys(params)) {
      if (!MATRIX_KEYS.includes(key)) issues.push({ path: `variants.${variant}.${key}`, message: `cannot be varied (known keys: ${MATRIX_KEYS.join(", ")})` });
      if (key in spec.matrix) issues.push({ path: `variants.${variant}.${key}`, message: "is also a matrix key: vary it in one place" });
    }
  }
  if (issues.length) throw new SpecError(issues, file);
  const matrixOnly = matrixPoints(spec.matrix);
  const matrixText = matrixLabels(matrixOnly);
  const variantNames = Object.keys(spec.variants);
  const points = variantNames.length ? variantNames.flatMap((v) => matrixOnly.map((p) => ({ ...spec.variants[v], ...p }))) : matrixOnly;
  const labels = variantNames.length ? variantNames.flatMap((v) => matrixText.map((m) => (m ? `${v} ${m}` : v))) : matrixText;
  const configurations: Configuration[] = [];
  points.forEach((point, index) => {
    const concrete = withParams(raw as Record<string, unknown>, point);
    const p = SpecSchema.safeParse(concrete);
    if (!p.success) {
      throw new SpecError(zodIssues(p.error.issues, concrete).map((i) => renameMatrixIssue(i, point, spec.matrix, spec.variants)), file);
    }
    for (const i of crossFieldIssues(p.data, baseDir, warnings)) issues.push(renameMatrixIssue(i, point, spec.matrix, spec.variants));
    if (issues.length) throw new SpecError(dedupe(issues), file);
    configurations.push({ id: `c${index + 1}`, index, params: point, label: labels[index] || spec.name, spec: finishDefaults(p.data, baseDir) });
  });
  return { spec: finishDefaults(spec, baseDir), configurations, warnings: [...new Set(warnings)], baseDir };
}

/** Defaults that depend on other fields; relative module paths made absolute. */
function finishDefaults(s: ExperimentSpec, baseDir: string): ExperimentSpec {
  if (s.workload.messages === undefined && s.workload.durationSec === undefined) s.workload.messages = 10_000;
  if (!s.topic.name) s.topic.name = s.name;
  const abs = (f: string | undefined) => (f === undefined ? undefined : path.resolve(baseDir, f));
  s.producers.source = abs(s.producers.source);
  s.producers.script = abs(s.producers.script);
  s.consumers.handler = abs(s.consumers.handler);
  s.consumers.script = abs(s.consumers.script);
  if (s.kafka.configFile) s.kafka.configFile = abs(s.kafka.configFile);
  return s;
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

/** Load, override, shrink and validate a spec file. */
export function loadSpec(file: string, opts: { sets?: string[]; quick?: boolean } = {}): ValidatedSpec {
  let raw = applySets(readSpecFile(file), opts.sets ?? []);
  if (opts.quick) raw = applyQuick(raw);
  return validateSpec(raw, { baseDir: path.dirname(path.resolve(file)), file });
}

function crossFieldIssues(s: ExperimentSpec, baseDir: string, warnings: string[]): SpecIssue[] {
  const out: SpecIssue[] = [];
  const k = s.kafka;
  const kinds = [k.embedded, k.external, k.configFile].filter((x) => x !== undefined).length;
  if (kinds > 1) out.push({ path: "kafka", message: "give one of embedded, external or configFile" });
  const brokers = k.external || k.configFile ? null : (k.embedded?.brokers ?? 1);
  if (brokers !== null && s.topic.replicationFactor > brokers) {
    out.push({ path: "topic.replicationFactor", message: `is ${s.topic.replicationFactor} but kafka.embedded.brokers is ${brokers}: a topic cannot have more replicas than brokers` });
  }
  if (s.topic.minInsyncReplicas !== undefined && s.topic.minInsyncReplicas > s.topic.replicationFactor) {
    out.push({ path: "topic.minInsyncReplicas", message: `is ${s.topic.minInsyncReplicas} but topic.replicationFactor is ${s.topic.replicationFactor}: no write with acks=-1 could succeed` });
  }
  if (k.configFile && !fs.existsSync(path.resolve(baseDir, k.configFile))) {
    out.push({ path: "kafka.configFile", message: `file ${k.configFile} not found (relative to ${baseDir})` });
  }
  if (s.workload.messages !== undefined && s.workload.durationSec !== undefined) {
    out.push({ path: "workload.durationSec", message: "workload.messages and workload.durationSec exclude each other: give one" });
  }
  if (s.producers.compression === "zstd") {
    out.push({ path: "producers.compression", message: "zstd needs a native codec that kafkajs cannot load here: use none, gzip, snappy or lz4" });
  }
  if (s.producers.idempotent && s.producers.acks !== -1) {
    out.push({ path: "producers.idempotent", message: `makes no sense without producers.acks=-1 (got acks=${s.producers.acks})` });
  }
  if (s.producers.source && s.producers.script) out.push({ path: "producers.script", message: "producers.source and producers.script exclude each other" });
  if (s.consumers.handler && s.consumers.script) out.push({ path: "consumers.script", message: "consumers.handler and consumers.script exclude each other" });
  if ((s.consumers.handler || s.consumers.script) && s.consumers.processing.kind !== "none") {
    out.push({ path: "consumers.processing.kind", message: `is "${s.consumers.processing.kind}" but your ${s.consumers.handler ? "handler" : "script"} does the processing: drop one` });
  }
  if (s.consumers.processing.kind === "cpu" && s.consumers.processing.cpuUs === 0) out.push({ path: "consumers.processing.cpuUs", message: 'must be > 0 with processing.kind "cpu"' });
  if (s.consumers.processing.kind === "sleep" && s.consumers.processing.sleepMs === 0) out.push({ path: "consumers.processing.sleepMs", message: 'must be > 0 with processing.kind "sleep"' });
  if (s.consumers.commit === "after-flush" && !s.consumers.handler) {
    out.push({ path: "consumers.commit", message: '"after-flush" makes no sense without a consumers.handler that exports flush()' });
  }
  for (const [p, f] of [
    ["producers.source", s.producers.source],
    ["producers.script", s.producers.script],
    ["consumers.handler", s.consumers.handler],
    ["consumers.script", s.consumers.script],
  ] as const) {
    if (f && !fs.existsSync(path.resolve(baseDir, f))) out.push({ path: p, message: `file ${f} not found (relative to ${baseDir})` });
  }
  if (s.consumers.count > s.topic.partitions) {
    warnings.push(`consumers.count (${s.consumers.count}) > topic.partitions (${s.topic.partitions}): ${s.consumers.count - s.topic.partitions} consumer(s) will get no partition and sit idle`);
  }
  s.faults.forEach((f, i) => {
    const where = `faults[${i}]`;
    const brokerAction = f.action.endsWith("-broker");
    if (brokerAction) {
      if (brokers === null) out.push({ path: `${where}.action`, message: `${f.action} needs the embedded cluster (kafka.embedded), not an external one` });
      if (f.broker === undefined) out.push({ path: `${where}.broker`, message: `is required for ${f.action}` });
      else if (brokers !== null && f.broker > brokers) out.push({ path: `${where}.broker`, message: `is ${f.broker} but kafka.embedded.brokers is ${brokers}` });
    }
    if (f.action === "kill-consumer" && (f.consumer === undefined || f.consumer >= s.consumers.count)) {
      out.push({ path: `${where}.consumer`, message: `must name one of the ${s.consumers.count} consumers (0 … ${s.consumers.count - 1})` });
    }
    if (s.workload.durationSec !== undefined && f.at >= s.workload.durationSec) warnings.push(`${where}.at (${f.at} s) is not before the end of the run (${s.workload.durationSec} s): it may never happen`);
  });
  return out;
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

function renameMatrixIssue(issue: SpecIssue, point: Record<string, unknown>, matrix: Record<string, unknown[]>, variants: Record<string, Record<string, unknown>> = {}): SpecIssue {
  for (const key of Object.keys(point)) {
    if (issue.path === key || issue.path.startsWith(key + ".")) {
      if (matrix[key]) return { path: `matrix.${key}[${matrix[key]!.indexOf(point[key])}]`, message: issue.message };
      const variant = Object.keys(variants).find((v) => key in variants[v]! && variants[v]![key] === point[key]);
      if (variant) return { path: `variants.${variant}.${key}`, message: issue.message };
    }
  }
  return issue;
}

function zodIssues(issues: ZodIssue[], raw: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const i of issues) {
    const p = formatPath(i.path);
    switch (i.code) {
      case "unrecognized_keys":
        for (const key of i.keys) out.push({ path: p ? `${p}.${key}` : key, message: "unknown key" + suggestion(key, knownKeys(i.path)) });
        break;
      case "invalid_enum_value":
        out.push({ path: p, message: `must be one of ${i.options.map((o) => JSON.stringify(o)).join(", ")} (got ${JSON.stringify(i.received)})` });
        break;
      case "invalid_type":
        out.push({
          path: p,
          message:
            i.received === "undefined"
              ? "is required"
              : `must be ${i.expected === "integer" ? "a whole number" : i.expected === "number" ? "a number" : `a ${i.expected}`} (got ${describe(valueAt(raw, i.path))})`,
        });
        break;
      default:
        out.push({ path: p, message: `${i.message}${gotSuffix(raw, i.path)}` });
    }
  }
  return dedupe(out);
}

function gotSuffix(raw: unknown, p: Array<string | number>): string {
  const v = valueAt(raw, p);
  return v === undefined || typeof v === "object" ? "" : ` (got ${describe(v)})`;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a mapping";
  return String(v);
}

function valueAt(raw: unknown, p: Array<string | number>): unknown {
  let v = raw as Record<string | number, unknown> | undefined;
  for (const k of p) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[k] as Record<string | number, unknown> | undefined;
  }
  return v;
}

function formatPath(p: Array<string | number>): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

function knownKeys(p: Array<string | number>): string[] {
  // Walk the schema's shape along the path to list what would have been accepted.
  let schema: unknown = SpecSchema;
  for (const k of p) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (shape && typeof k === "string") schema = shape[k];
    else if ((schema as { element?: unknown }).element) schema = (schema as { element: unknown }).element;
    else return [];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { _def?: { innerType?: unknown; schema?: unknown } };
  while (s?._def?.innerType || s?._def?.schema) s = (s._def.innerType ?? s._def.schema) as typeof s;
  return s;
}

/** "did you mean …" for a mistyped key: the known key with the smallest edit distance, if close. */
function suggestion(key: string, known: string[]): string {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : known.length ? ` (known: ${known.join(", ")})` : "";
}

// Levenshtein distance, small and only used on key names: not worth a dependency.
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\0${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
