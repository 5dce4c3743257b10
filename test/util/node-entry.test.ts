// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { nodeEntryArgs } from "../../src/util/node-entry";
import { repoRoot } from "../helpers/cli";

const caller = path.join(repoRoot, "src", "experiment", "role-set.ts");

test("a child entry of the lab run from src/ goes through tsx, or runs from dist/ when PERFLAB_CHILDREN_FROM_DIST=1", () => {
  const prev = process.env.PERFLAB_CHILDREN_FROM_DIST;
  try {
    delete process.env.PERFLAB_CHILDREN_FROM_DIST;
    const viaTsx = nodeEntryArgs(caller, "../roles/role-main");
    assert.equal(viaTsx[0], "--import");
    assert.match(viaTsx[1]!, /tsx/);
    assert.equal(viaTsx[2], path.join(repoRoot, "src", "roles", "role-main.ts"));
    process.env.PERFLAB_CHILDREN_FROM_DIST = "1";
    const built = path.join(repoRoot, "dist", "roles", "role-main.js");
    assert.ok(fs.existsSync(built), "npm test builds dist/ first");
    assert.deepEqual(nodeEntryArgs(caller, "../roles/role-main"), [built]);
    // An entry with no build falls back to tsx.
    assert.equal(nodeEntryArgs(caller, "../roles/not-built")[0], "--import");
    // From dist/ itself: the compiled entry, whatever the variable says.
    assert.deepEqual(nodeEntryArgs(path.join(repoRoot, "dist", "experiment", "role-set.js"), "../roles/role-main"), [built]);
  } finally {
    if (prev === undefined) delete process.env.PERFLAB_CHILDREN_FROM_DIST;
    else process.env.PERFLAB_CHILDREN_FROM_DIST = prev;
  }
});
