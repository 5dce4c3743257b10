// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./helpers/cli";

test("`kafka-perf-lab` resolves by package name from notebooks/ to the built library", () => {
  const resolved = require.resolve("kafka-perf-lab", { paths: [path.join(repoRoot, "notebooks")] });
  assert.equal(fs.realpathSync(resolved), path.join(repoRoot, "dist", "index.js"));
  const lab = require(resolved);
  for (const name of ["startEmbeddedKafka", "ensureEmbeddedKafka", "stopEmbeddedKafka", "embeddedKafkaStatus", "roundTrip", "runExperiment", "loadRun", "runFunctionTable"]) {
    assert.equal(typeof lab[name], "function", `${name} is exported`);
  }
  assert.ok(fs.existsSync(path.join(repoRoot, "dist", "index.d.ts")), "type declarations are built for tslab's type checker");
});

test("the package is CommonJS with a `perflab` bin, and the design card's dependencies are locked", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"));
  assert.equal(pkg.name, "kafka-perf-lab");
  assert.equal(pkg.type ?? "commonjs", "commonjs");
  assert.equal(pkg.bin.perflab, "bin/perflab.js");
  for (const dep of ["tslab", "kafkajs", "danfojs-node", "plotly.js-dist", "0x"]) {
    assert.ok(pkg.dependencies[dep], `${dep} is a dependency`);
    assert.ok(lock.packages[`node_modules/${dep}`], `${dep} is locked in package-lock.json`);
  }
  // danfojs-node installs offline only with its two problem dependencies aliased to registry packages.
  assert.equal(pkg.overrides.xlsx, "npm:xlsx@0.18.5");
  assert.equal(pkg.overrides["@tensorflow/tfjs-node"], "npm:@tensorflow/tfjs@3.21.0");
  assert.equal(lock.packages["node_modules/xlsx"].version, "0.18.5", "xlsx is the registry's, not the cdn.sheetjs.com tarball");
  assert.equal(lock.packages["node_modules/@tensorflow/tfjs-node"].name, "@tensorflow/tfjs", "tfjs-node is aliased to pure-JS tfjs");
  for (const [k, p] of Object.entries<{ integrity?: string; link?: boolean }>(lock.packages)) {
    if (k && !p.link) assert.ok(p.integrity, `${k} is locked with an integrity hash`);
  }
  const tsconfig = JSON.parse(fs.readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8"));
  assert.equal(tsconfig.compilerOptions.module, "CommonJS");
  assert.equal(tsconfig.compilerOptions.declaration, true);
});

test("danfojs-node loads with the pure-JS TensorFlow backend and computes a sample std", () => {
  const dfd = require("danfojs-node");
  const df = new dfd.DataFrame({ g: ["a", "a", "b", "b"], v: [1, 3, 10, 14] });
  const agg = df.groupby(["g"]).agg({ v: ["mean", "std", "count"] });
  const rows = dfd.toJSON(agg, { format: "column" }) as Array<Record<string, number | string>>;
  const a = rows.find((r) => r.g === "a")!;
  assert.equal(a.v_mean, 2);
  assert.ok(Math.abs(Number(a.v_std) - Math.SQRT2) < 1e-12, "std is the sample std (n-1)");
  assert.equal(a.v_count, 2);
});
