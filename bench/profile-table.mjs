// Benchmark: a 100 MB .cpuprofile → function table, against the floor of just parsing its JSON, each in a
// fresh process (time and peak RSS). Target: < 3 s and < 1 GB. Also speedscope-style call tree.
// Writes bench/results/profile-table.json.   node bench/profile-table.mjs [--mb 100] [--reps 3]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const TARGET_MB = arg("--mb", 100);
const REPS = arg("--reps", 3);

// The measured work, run in a child process: `node profile-table.mjs --child <mode> <file>`.
if (process.argv[2] === "--child") {
  const [, , , mode, file] = process.argv;
  const lab = require(path.join(root, "dist", "index.js"));
  const t0 = performance.now();
  let rows = 0;
  if (mode === "parse") {
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    rows = p.nodes.length;
  } else if (mode === "table") {
    const t = lab.functionTable(lab.readCpuProfile(file), { root });
    rows = t.rows.length;
  } else if (mode === "tree") {
    const tree = lab.callTree(lab.readCpuProfile(file), { root });
    rows = tree.ids.length;
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, rows }) + "\n");
  process.exit(0);
}

/** A synthetic profile of about TARGET_MB: a deep, bushy tree of 5,000 functions in 200 files, millions of samples. */
function generate(file) {
  const fd = fs.openSync(file, "w");
  const write = (s) => fs.writeSync(fd, s);
  const FUNCS = 5000;
  const nodes = Math.round(2000 * TARGET_MB);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const children = Array.from({ length: nodes + 1 }, () => []);
  const depth = new Int32Array(nodes + 1);
  for (let id = 2; id <= nodes; id++) {
    // Parent among recent nodes: deep chains with branching, as real profiles.
    const parent = Math.max(1, id - 1 - Math.floor(rnd() * Math.min(id - 1, 40)));
    children[parent].push(id);
    depth[id] = depth[parent] + 1;
  }
  write('{"nodes":[');
  for (let id = 1; id <= nodes; id++) {
    const f = id === 1 ? -1 : Math.floor(rnd() * FUNCS);
    const cf = f < 0 ? { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 } : { functionName: `fn${f}`, scriptId: String(f % 200), url: `file:///app/src/module${f % 200}.js`, lineNumber: f % 700, columnNumber: f % 40 };
    write((id > 1 ? "," : "") + JSON.stringify({ id, callFrame: cf, hitCount: 0, children: children[id] }));
  }
  write('],"startTime":0,"endTime":');
  let size = fs.fstatSync(fd).size;
  const samplesNeeded = Math.max(1000, Math.floor((TARGET_MB * 1e6 - size) / 10.2));
  const samples = [];
  const deltas = [];
  let t = 0;
  for (let i = 0; i < samplesNeeded; i++) {
    samples.push(1 + Math.floor(rnd() * nodes));
    const d = 80 + Math.floor(rnd() * 60);
    deltas.push(d);
    t += d;
  }
  write(`${t + 100},"samples":[${samples.join(",")}],"timeDeltas":[${deltas.join(",")}]}`);
  fs.closeSync(fd);
  size = fs.statSync(file).size;
  return { nodes, samples: samplesNeeded, bytes: size };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bigprof-"));
const file = path.join(dir, "big.cpuprofile");
process.stderr.write(`generating a ${TARGET_MB} MB profile …\n`);
const shape = generate(file);
const run = (mode) => {
  const r = spawnSync(process.execPath, ["--max-old-space-size=4096", new URL(import.meta.url).pathname, "--child", mode, file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
};
const results = { parse: [], table: [], tree: [] };
for (let i = 0; i < REPS; i++) {
  process.stderr.write(`rep ${i + 1}/${REPS} …\n`);
  for (const mode of i % 2 ? ["table", "tree", "parse"] : ["parse", "table", "tree"]) results[mode].push(run(mode));
}
fs.rmSync(dir, { recursive: true, force: true });
const agg = (xs, k) => {
  const v = xs.map((x) => x[k]);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: +mean.toFixed(1), min: +Math.min(...v).toFixed(1), max: +Math.max(...v).toFixed(1) };
};
const out = {
  benchmark: "profile-table",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  profile: { megabytes: +(shape.bytes / 1e6).toFixed(1), nodes: shape.nodes, samples: shape.samples, functions: 5000 },
  reps: REPS,
  jsonParseOnly: { ms: agg(results.parse, "ms"), maxRssMB: agg(results.parse, "maxRssMB") },
  functionTable: { ms: agg(results.table, "ms"), maxRssMB: agg(results.table, "maxRssMB"), rows: results.table[0].rows },
  callTree: { ms: agg(results.tree, "ms"), maxRssMB: agg(results.tree, "maxRssMB") },
  targets: { ms: 3000, maxRssMB: 1024 },
};
out.functionTable.timeVsParse = +(out.functionTable.ms.mean / out.jsonParseOnly.ms.mean).toFixed(2);
out.meetsTargets = out.functionTable.ms.max < 3000 && out.functionTable.maxRssMB.max < 1024;
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "profile-table.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`${out.profile.megabytes} MB profile (${shape.nodes.toLocaleString("en-US")} nodes, ${shape.samples.toLocaleString("en-US")} samples):`);
console.log(`  JSON.parse alone:   ${out.jsonParseOnly.ms.mean} ms, peak RSS ${out.jsonParseOnly.maxRssMB.mean} MB`);
console.log(`  function table:     ${out.functionTable.ms.mean} ms (${out.functionTable.timeVsParse}× parse), peak RSS ${out.functionTable.maxRssMB.mean} MB — target < 3000 ms, < 1024 MB: ${out.meetsTargets ? "met" : "NOT met"}`);
console.log(`  call tree (icicle): ${out.callTree.ms.mean} ms, peak RSS ${out.callTree.maxRssMB.mean} MB`);
