// test-kind: unit
// The README's examples are checked so they cannot rot: its experiment specs validate, its Kafka config
// file parses, its TypeScript compiles against the built package, and every `perflab` command and option
// it shows exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import YAML from "yaml";
import { validateSpec } from "../src/spec";
import { loadKafkaConfigFile } from "../src/kafka/connection";
import { repoRoot } from "./helpers/cli";

const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
const blocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }));
const of = (lang: string) => blocks.filter((b) => b.lang === lang).map((b) => b.code);

test("README: every experiment spec it shows validates (faults snippets inside a minimal spec)", () => {
  const specs = of("yaml").filter((y) => /^(name|faults):/m.test(y));
  assert.ok(specs.length >= 3, `found ${specs.length} spec blocks`);
  for (const y of specs) {
    const raw = YAML.parse(y) as Record<string, unknown>;
    const spec = raw.name ? raw : { name: "readme", kafka: { embedded: { brokers: 3 } }, topic: { replicationFactor: 3 }, ...raw };
    // Paths in the spec reference are commented out; the rest must pass every check, file checks included.
    assert.doesNotThrow(() => validateSpec(spec, { baseDir: path.join(repoRoot, "examples") }), `README spec:\n${y}`);
  }
  // The quickstart spec in the README is the file it names.
  const quick = specs.find((y) => /^name: quickstart$/m.test(y));
  assert.ok(quick, "the quickstart spec is shown");
  const file = fs.readFileSync(path.join(repoRoot, "examples", "quickstart.yaml"), "utf8");
  assert.deepEqual(YAML.parse(quick), YAML.parse(file));
});

test("README: the Kafka config file it shows is read, credentials from the env vars it names", () => {
  const y = of("yaml").find((b) => /^bootstrap:/m.test(b));
  assert.ok(y, "a Kafka config file is shown");
  const dir = fs.mkdtempSync(path.join(repoRoot, ".perflab", "readme-"));
  try {
    fs.writeFileSync(path.join(dir, "kafka.yaml"), y);
    fs.writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const conn = loadKafkaConfigFile(path.join(dir, "kafka.yaml"), { KAFKA_USER: "u", KAFKA_PASSWORD: "p" });
      assert.equal(conn.securityProtocol, "SASL_SSL");
      assert.equal(conn.bootstrap.length, 2);
      assert.equal(conn.sasl?.mechanism, "scram-sha-512");
    } finally {
      process.chdir(cwd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("README: its TypeScript examples compile against the built package", { timeout: 120_000 }, () => {
  const snippets = of("ts");
  assert.ok(snippets.length >= 4, `found ${snippets.length} TypeScript blocks`);
  const dir = fs.mkdtempSync(path.join(repoRoot, ".perflab", "readme-ts-"));
  try {
    snippets.forEach((code, i) => fs.writeFileSync(path.join(dir, `snippet-${i}.ts`), code.includes("export ") || code.includes("import ") ? code : `export {};\n${code}`));
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        // ES modules so notebook-style top-level await compiles as it does in tslab.
        compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ES2022", moduleResolution: "node10", skipLibCheck: true, types: ["node"], typeRoots: [path.join(repoRoot, "node_modules", "@types")] },
        include: ["*.ts"],
      }),
    );
    const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** `perflab a b <x> --opt v` → the command words and the options used. */
function commandOf(line: string): { words: string[]; options: string[] } | null {
  const m = /(?:^|\s|`)(?:npx )?perflab ((?:[a-z][a-z-]*\s?)+)(.*)$/.exec(line);
  if (!m) return null;
  const words = m[1]!.trim().split(/\s+/);
  const options = [...(m[2] ?? "").matchAll(/(?:^|[\s[])(--[a-z][a-z-]*)/g)].map((o) => o[1]!);
  return { words, options };
}

/**
 * Commands of the README's CLI table. A row may name two, as `perflab kafka stop-broker <id>` / `start-broker <id>`:
 * the second gets the first's command group.
 */
function cliTableCommands(): string[] {
  return readme
    .split("\n")
    .filter((l) => l.startsWith("| `perflab "))
    .flatMap((row) => {
      const group = /perflab ([a-z-]+)/.exec(row)![1];
      return row.split(/`\s*\/\s*`/).map((part, i) => (i === 0 ? part : `perflab ${group} ${part}`));
    });
}

test("README: every perflab command and option it shows exists", { timeout: 180_000 }, () => {
  const lines = [...of("bash").flatMap((b) => b.split("\n")), ...cliTableCommands()];
  const helps = new Map<string, string>();
  let checked = 0;
  for (const line of lines) {
    const cmd = commandOf(line.replace(/#.*$/, ""));
    if (!cmd) continue;
    // The longest prefix of the words that is a command (later words are arguments): its help says so.
    let help = "";
    for (let n = Math.min(cmd.words.length, 2); n >= 1 && !help; n--) {
      const key = cmd.words.slice(0, n).join(" ");
      if (!helps.has(key)) {
        const r = spawnSync(process.execPath, [path.join(repoRoot, "bin", "perflab.js"), ...cmd.words.slice(0, n), "--help"], { encoding: "utf8" });
        helps.set(key, r.status === 0 && r.stdout.includes(`Usage: perflab ${key} `) ? r.stdout : "");
      }
      help = helps.get(key)!;
    }
    assert.ok(help, `README shows \`perflab ${cmd.words.join(" ")}\`, which is not a command`);
    for (const o of cmd.options) {
      if (o === "--help") continue;
      assert.ok(new RegExp(`${o}\\b`).test(help), `README shows \`perflab ${cmd.words.join(" ")} … ${o}\`, an option that command does not have`);
    }
    checked++;
  }
  assert.ok(checked >= 15, `checked ${checked} command lines`);
});

test("README: every name in its API section is exported by the package, and every camelCase function it calls is one", () => {
  const lab = require(path.join(repoRoot, "dist", "index.js")) as Record<string, unknown>;
  const api = readme.slice(readme.indexOf("## API"), readme.indexOf("\n## ", readme.indexOf("## API") + 5));
  const names = [...api.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`/g)].map((m) => m[1]!);
  assert.ok(names.length >= 80, `found ${names.length} API names`);
  for (const n of names) assert.ok(n in lab, `README's API section names \`${n}\`, which the package does not export`);
  // Anywhere in the README: `someFunction(…)` with a capital inside is a lab function (user hooks are lower-case words).
  const called = new Set([...readme.matchAll(/`(?:lab\.)?([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*)\(/g)].map((m) => m[1]!));
  for (const n of called) assert.ok(n in lab, `README calls \`${n}(…)\`, which the package does not export`);
});

test("README: every repository file and folder it names exists", () => {
  const paths = new Set([...readme.matchAll(/`((?:src|test|bench|examples|notebooks|scripts|kafka|\.ci)\/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`/g)].map((m) => m[1]!));
  assert.ok(paths.size >= 15, `found ${paths.size} paths`);
  for (const p of paths) {
    if (p.includes("<") || p.includes("*")) continue;
    assert.ok(fs.existsSync(path.join(repoRoot, p)), `README names ${p}, which does not exist`);
  }
});

test("README: its benchmark tables are the ones bench/tables.mjs renders from the committed results", async () => {
  const tables = (await import(path.join(repoRoot, "bench", "tables.mjs"))) as {
    instrumentationTable: () => string;
    clientsTable: () => string;
    brokersTable: () => string;
    kafkaStartupTable: () => string;
    brokerJitTable: () => string;
    brokerRestartTable: () => string;
  };
  const all = [
    ["instrumentation", tables.instrumentationTable()],
    ["clients", tables.clientsTable()],
    ["brokers", tables.brokersTable()],
    ["kafka-startup", tables.kafkaStartupTable()],
    ["broker-jit", tables.brokerJitTable()],
    ["broker-restart", tables.brokerRestartTable()],
  ] as const;
  for (const [name, table] of all) {
    assert.ok(readme.includes(table), `README's ${name} table differs from bench/results/${name}.json (print it with node bench/tables.mjs):\n${table}`);
  }
});
