import { test } from "node:test";
import assert from "node:assert/strict";
import { connectionFromSettings, roundTrip, withAdmin, type SaslMechanism } from "../../src/kafka";
import { PerfLabError } from "../../src/errors";
import { SASL_USERS, sharedCluster, uniqueName } from "../helpers/kafka";

const PASSWORD = SASL_USERS.alice;

test("an external-style SASL cluster: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 connect; a wrong password is one clear error without the secret", { timeout: 120_000 }, async () => {
  // A real broker with a SASL_PLAINTEXT client listener, reached through the external-connection code path.
  const k = await sharedCluster("sasl");
  const bootstrap = k.bootstrap.join(",");
  for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as SaslMechanism[]) {
    const conn = connectionFromSettings({ bootstrap, securityProtocol: "SASL_PLAINTEXT", sasl: { mechanism, username: "alice", password: PASSWORD } }, "test");
    const r = await roundTrip(conn, { topic: uniqueName(`sasl-${mechanism}`), count: 3, partitions: 1 });
    assert.equal(r.messages.length, 3, mechanism);
  }
  const wrong = connectionFromSettings({ bootstrap, sasl: { mechanism: "scram-sha-256", username: "alice", password: "wrong-password-123" } }, "test");
  await assert.rejects(
    withAdmin(wrong, (a) => a.listTopics()),
    (e: unknown) => {
      assert.ok(e instanceof PerfLabError);
      assert.equal(e.code, "KAFKA_AUTH_FAILED");
      assert.match(e.message, /SASL authentication \(scram-sha-256\) to 127\.0\.0\.1:\d+ failed/);
      assert.ok(!e.message.includes("wrong-password-123"));
      return true;
    },
  );
  const plaintext = connectionFromSettings({ bootstrap }, "test");
  await assert.rejects(withAdmin(plaintext, (a) => a.listTopics()), (e: unknown) => e instanceof PerfLabError && e.code === "KAFKA_UNREACHABLE");
});
