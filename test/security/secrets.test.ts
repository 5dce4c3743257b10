import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { errorLines, runCli } from "../helpers/cli";
import { SASL_USERS, sharedCluster, tempDir } from "../helpers/kafka";
import { startViewServer } from "../../src/viewer/server";

// External credentials come only from env or a config file and never reach an output: a fake secret is
// planted, a full profiled run is made against a SASL cluster, and every file the run wrote is searched.
const USER = "planted-user-51f3";
const SECRET = SASL_USERS[USER];

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

test("a planted SASL secret appears in no manifest, log, profile, report or terminal output", { timeout: 300_000 }, async () => {
  const k = await sharedCluster("sasl");
  const ws = tempDir("perflab-secret-");
  const spec = path.join(ws, "s.yaml");
  fs.writeFileSync(spec, "name: secret-run\nworkload:\n  messages: 300\nrepetitions: 2\nwarmup: 0\nprofile:\n  cpu: true\n  roles: [consumer]\n");
  const env = {
    PERFLAB_WORKSPACE: ws,
    PERFLAB_STATE_DIR: path.join(ws, ".perflab"),
    PERFLAB_BOOTSTRAP: k.bootstrap.join(","),
    PERFLAB_SECURITY_PROTOCOL: "SASL_PLAINTEXT",
    PERFLAB_SASL_MECHANISM: "SCRAM-SHA-512",
    PERFLAB_SASL_USERNAME: USER,
    PERFLAB_SASL_PASSWORD: SECRET,
  };
  const r = await runCli(["run", spec], { env });
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim().split("\n").at(-1)!;
  const manifest = JSON.parse(fs.readFileSync(path.join(runDir, "manifest.json"), "utf8"));
  assert.equal(manifest.kafka.securityProtocol, "SASL_PLAINTEXT");
  assert.equal(manifest.kafka.saslMechanism, "scram-sha-512");
  assert.equal(manifest.kafka.credentials, "redacted");
  const files = filesUnder(ws);
  assert.ok(files.length > 20, `searched ${files.length} files`);
  assert.ok(files.some((f) => f.endsWith(".cpuprofile")) && files.some((f) => f.endsWith("report.html")) && files.some((f) => f.endsWith(".client.log")));
  for (const f of files) {
    const text = fs.readFileSync(f).toString("latin1");
    assert.ok(!text.includes(SECRET), `the secret leaked into ${f}`);
    assert.ok(!text.includes(USER), `the username leaked into ${f}`);
  }
  for (const out of [r.stdout, r.stderr]) {
    assert.ok(!out.includes(SECRET) && !out.includes(USER));
  }

  // Wrong credentials: one line naming the mechanism and bootstrap, no secret, nothing written.
  const ws2 = tempDir("perflab-secret2-");
  const bad = await runCli(["run", spec], { env: { ...env, PERFLAB_WORKSPACE: ws2, PERFLAB_STATE_DIR: path.join(ws2, ".perflab"), PERFLAB_SASL_PASSWORD: "wrong-" + SECRET } });
  assert.equal(bad.code, 1);
  assert.match(errorLines(bad.stderr)[0]!, /SASL authentication \(scram-sha-512\) to 127\.0\.0\.1:\d+ failed: check the username and password/);
  assert.ok(!bad.stderr.includes(SECRET));
  assert.ok(!fs.existsSync(path.join(ws2, "reports")), "nothing half-written");
});

test("perflab view refuses to listen anywhere but loopback", async () => {
  await assert.rejects(startViewServer({ host: "0.0.0.0", port: 0 }), /serves on loopback only \(got host 0\.0\.0\.0\)/);
  const s = await startViewServer({ port: 0 });
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  await s.close();
});
