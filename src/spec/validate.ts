import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { InputError } from "../errors";
import { MATRIX_KEYS, SpecSchema, type ExperimentSpec } from "./schema";
import { dedupe, renameMatrixIssue, SpecError, zodIssues, type SpecIssue } from "./issues";
import { applyQuick, applySets, matrixLabels, matrixPoints, withParams } from "./matrix";
import { scriptIssues } from "./scripts";
import { brokerIssues } from "./broker";

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
  /** The spec file (absolute), or null for a spec given as an object. */
  file: string | null;
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

/** Validate a raw spec: schema, then meaning across fields, then every matrix configuration. */
export function validateSpec(raw: unknown, opts: { baseDir?: string; file?: string | null } = {}): ValidatedSpec {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const file = opts.file ?? null;
  const parsed = SpecSchema.safeParse(raw);
  if (!parsed.success) throw new SpecError(zodIssues(parsed.error.issues, raw), file);
  const spec = parsed.data;
  const issues: SpecIssue[] = brokerIssues(spec, raw);
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
    for (const i of [...brokerIssues(p.data, concrete), ...crossFieldIssues(p.data, baseDir, warnings)]) issues.push(renameMatrixIssue(i, point, spec.matrix, spec.variants));
    if (issues.length) throw new SpecError(dedupe(issues), file);
    configurations.push({ id: `c${index + 1}`, index, params: point, label: labels[index] || spec.name, spec: finishDefaults(p.data, baseDir) });
  });
  return { spec: finishDefaults(spec, baseDir), configurations, warnings: [...new Set(warnings)], baseDir, file: file ? path.resolve(file) : null };
}

/** Defaults that depend on other fields; relative module paths made absolute. */
function finishDefaults(s: ExperimentSpec, baseDir: string): ExperimentSpec {
  if (s.workload.messages === undefined && s.workload.durationSec === undefined) s.workload.messages = 10_000;
  // The cheapest exact carrier: the broker's offsets, unless acks 0 (no offsets come back).
  s.producers.idCarrier ??= s.producers.acks === 0 ? "header" : "offsets";
  if (!s.topic.name) s.topic.name = s.name;
  const abs = (f: string | undefined) => (f === undefined ? undefined : path.resolve(baseDir, f));
  s.producers.source = abs(s.producers.source);
  s.producers.script = abs(s.producers.script);
  s.consumers.handler = abs(s.consumers.handler);
  s.consumers.script = abs(s.consumers.script);
  if (s.kafka.configFile) s.kafka.configFile = abs(s.kafka.configFile);
  return s;
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
  const rabbit = s.broker === "rabbitmq";
  const brokers = rabbit ? (s.rabbitmq.url ? null : 1) : k.external || k.configFile ? null : (k.embedded?.brokers ?? 1);
  const cluster = rabbit ? "the embedded RabbitMQ (no rabbitmq.url)" : "the embedded cluster (kafka.embedded)";
  const brokerCount = rabbit ? "the embedded RabbitMQ is one node" : `kafka.embedded.brokers is ${brokers}`;
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
  if (s.producers.idCarrier === "offsets" && s.producers.acks === 0) {
    out.push({ path: "producers.idCarrier", message: "offsets needs producers.acks 1 or -1: with acks 0 the broker returns no offsets (use header or trailer)" });
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
  out.push(...scriptIssues(s, baseDir));
  if (!rabbit && s.consumers.count > s.topic.partitions) {
    warnings.push(`consumers.count (${s.consumers.count}) > topic.partitions (${s.topic.partitions}): ${s.consumers.count - s.topic.partitions} consumer(s) will get no partition and sit idle`);
  }
  s.faults.forEach((f, i) => {
    const where = `faults[${i}]`;
    const brokerAction = f.action.endsWith("-broker");
    if (brokerAction) {
      if (brokers === null) out.push({ path: `${where}.action`, message: `${f.action} needs ${cluster}, not an external one` });
      if (f.broker === undefined) out.push({ path: `${where}.broker`, message: `is required for ${f.action}` });
      else if (brokers !== null && f.broker > brokers) out.push({ path: `${where}.broker`, message: `is ${f.broker} but ${brokerCount}` });
    }
    if (f.action === "kill-consumer" && (f.consumer === undefined || f.consumer >= s.consumers.count)) {
      out.push({ path: `${where}.consumer`, message: `must name one of the ${s.consumers.count} consumers (0 … ${s.consumers.count - 1})` });
    }
    if (s.workload.durationSec !== undefined && f.at >= s.workload.durationSec) warnings.push(`${where}.at (${f.at} s) is not before the end of the run (${s.workload.durationSec} s): it may never happen`);
  });
  return out;
}

