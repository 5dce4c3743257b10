import type { ZodIssue } from "zod";
import { InputError } from "../errors";
import { SpecSchema } from "./schema";

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

export function renameMatrixIssue(issue: SpecIssue, point: Record<string, unknown>, matrix: Record<string, unknown[]>, variants: Record<string, Record<string, unknown>> = {}): SpecIssue {
  for (const key of Object.keys(point)) {
    if (issue.path === key || issue.path.startsWith(key + ".")) {
      if (matrix[key]) return { path: `matrix.${key}[${matrix[key]!.indexOf(point[key])}]`, message: issue.message };
      const variant = Object.keys(variants).find((v) => key in variants[v]! && variants[v]![key] === point[key]);
      if (variant) return { path: `variants.${variant}.${key}`, message: issue.message };
    }
  }
  return issue;
}

export function zodIssues(issues: ZodIssue[], raw: unknown): SpecIssue[] {
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

export function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\0${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
