// Architecture check behind `npm test` (and `npm run check`): the layers of src/ and the size limits.
//   node scripts/check-architecture.mjs          exit 1 with one line per violation
//   node scripts/check-architecture.mjs --graph  print the folder dependency graph
// Layers, bottom to top: a module may import its own folder and folders in lower layers only. So no
// folder cycle can appear, and a new folder must be placed here before it can be used. Uses the
// TypeScript compiler API (already a devDependency) to read imports and function spans exactly.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const src = path.join(root, "src");

/** Folders (and root files) of src/ by layer. The index.ts at the root is the public face, above all. */
export const LAYERS = [
  ["errors.ts"],
  ["paths.ts", "types", "util"],
  ["metrics"],
  ["spec"],
  ["results"],
  ["kafka", "rabbitmq"],
  ["clients"],
  ["workload"],
  ["profiling"],
  ["roles"],
  ["experiment"],
  ["analysis"],
  ["viz"],
  ["report", "progress"],
  ["run", "notebook", "viewer"],
  ["cli"],
  ["index.ts"],
];
const MAX_FILE_LINES = 350;
const MAX_FUNCTION_LINES = 80;
// A file or function over its limit says why in a comment containing this marker.
const REASON = /\(long(?: file)?: [^)]{8,}\)/;

function unitOf(file) {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length === 1 ? rel[0] : rel[0];
}

function layerOf(unit) {
  const i = LAYERS.findIndex((l) => l.includes(unit));
  return i;
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

function resolveImport(from, spec) {
  if (!spec.startsWith(".")) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + ".ts", base + ".d.ts", path.join(base, "index.ts")]) if (fs.existsSync(c)) return c;
  return null;
}

function importsOf(sf) {
  const out = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, pos: node.getStart(sf) });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword) out.push({ spec: node.arguments[0].text, pos: node.getStart(sf) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, pos: node.getStart(sf) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function leadingComments(sf, node) {
  const text = sf.getFullText();
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges.map((r) => text.slice(r.pos, r.end)).join("\n");
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.parent && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  if (node.parent && ts.isPropertyAssignment(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return "(anonymous)";
}

/** The statement or declaration a function's reason comment may sit on (the function, or what holds it). */
function commentHolder(node) {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent) && !ts.isBlock(n.parent) && !ts.isClassDeclaration(n.parent) && !ts.isModuleBlock(n.parent)) n = n.parent;
  return n;
}

export function check() {
  const problems = [];
  const edges = new Map();
  for (const file of walk(src)) {
    const rel = path.relative(root, file);
    const text = fs.readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const from = unitOf(file);
    const fromLayer = layerOf(from);
    if (fromLayer < 0) problems.push(`${rel}: src/${from} is in no layer of scripts/check-architecture.mjs: place it there`);
    for (const imp of importsOf(sf)) {
      const target = resolveImport(file, imp.spec);
      if (!target) continue;
      const to = unitOf(target);
      if (to === from) continue;
      const k = `${from} -> ${to}`;
      edges.set(k, (edges.get(k) ?? 0) + 1);
      const toLayer = layerOf(to);
      if (fromLayer >= 0 && toLayer >= 0 && toLayer >= fromLayer) {
        const line = sf.getLineAndCharacterOfPosition(imp.pos).line + 1;
        problems.push(`${rel}:${line}: ${from} (layer ${fromLayer}) imports ${to} (layer ${toLayer}): imports must point to lower layers`);
      }
    }
    const lines = text.split("\n").length;
    if (lines > MAX_FILE_LINES && !REASON.test(text.slice(0, 2000))) problems.push(`${rel}: ${lines} lines (limit ${MAX_FILE_LINES}) without a "(long file: reason)" comment at its top`);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const n = end - start + 1;
        if (n > MAX_FUNCTION_LINES && !REASON.test(leadingComments(sf, commentHolder(node)) + leadingComments(sf, node))) {
          problems.push(`${rel}:${start + 1}: function ${functionName(node)} has ${n} lines (limit ${MAX_FUNCTION_LINES}) without a "(long: reason)" comment`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { problems, edges };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const { problems, edges } = check();
  if (process.argv.includes("--graph")) for (const [k, n] of [...edges].sort()) console.log(`${k} (${n})`);
  for (const p of problems) console.error(`check-architecture: ${p}`);
  if (problems.length) process.exit(1);
  else if (!process.argv.includes("--graph")) console.error("check-architecture: layers and sizes ok");
}
