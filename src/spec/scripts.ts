import fs from "node:fs";
import path from "node:path";
import type { ExperimentSpec } from "./schema";
import type { SpecIssue } from "./issues";

/**
 * A script role reports to the run only through the lab's instrumented clients or a producer audit. A
 * script that uses none of them would run and report nothing, so it is refused before the run: its
 * source (and the files it imports by relative path) must name what its id carrier needs. This reads the
 * text, it does not run it: a script that names the API and never calls it is caught when it runs (the
 * repetition ends with an error naming the file).
 */
export function scriptIssues(s: ExperimentSpec, baseDir: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  const carrier = s.producers.idCarrier ?? "offsets";
  if (carrier === "content") {
    if (!s.producers.script) out.push({ path: "producers.idCarrier", message: "content is for a producers.script that sends with its own client and wraps its sends in producerAudit().send(…)" });
    if (s.consumers.count === 0) out.push({ path: "consumers.count", message: "must be ≥ 1 with producers.idCarrier content: the audit compares what was acknowledged with what the consumers received" });
    if (s.consumers.script) out.push({ path: "consumers.script", message: "the content audit needs the lab's built-in consumers: drop consumers.script" });
    s.faults.forEach((f, i) => {
      if (f.action === "kill-consumer") out.push({ path: `faults[${i}].action`, message: "kill-consumer cannot be combined with producers.idCarrier content (the audit needs every consumer's receipts at the end)" });
    });
  }
  const checks: Array<[string, string | undefined, RegExp, string]> = [
    ["producers.script", s.producers.script, carrier === "content" ? /\b(producerAudit|ProducerAudit)\b/ : /\b(InstrumentedProducer|createInstrumentedProducer)\b/, carrier === "content" ? "wrap its sends in producerAudit().send(…)" : "send through an InstrumentedProducer (or audit your own client: producers.idCarrier content and producerAudit())"],
    ["consumers.script", s.consumers.script, /\b(InstrumentedConsumer|createInstrumentedConsumer)\b/, "consume through an InstrumentedConsumer"],
  ];
  for (const [field, file, uses, how] of checks) {
    if (!file) continue;
    const abs = path.resolve(baseDir, file);
    if (!fs.existsSync(abs)) continue; // reported as a missing file
    if (!uses.test(sourceWithLocalImports(abs))) out.push({ path: field, message: `${file} reports nothing to the lab: it must ${how}` });
  }
  return out;
}

const LOCAL_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
const EXTENSIONS = ["", ".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", "/index.ts", "/index.js"];

/** The text of a file and of the files it imports by relative path, transitively (at most 50 files). */
function sourceWithLocalImports(file: string): string {
  const seen = new Set<string>();
  const queue = [file];
  let text = "";
  while (queue.length && seen.size < 50) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    let src: string;
    try {
      src = fs.readFileSync(f, "utf8");
    } catch {
      continue; // an import we cannot resolve here is the module loader's to report
    }
    text += src + "\n";
    for (const m of src.matchAll(LOCAL_IMPORT)) {
      const base = path.resolve(path.dirname(f), m[1]!);
      const hit = EXTENSIONS.map((e) => base + e).find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (hit) queue.push(hit);
    }
  }
  return text;
}
