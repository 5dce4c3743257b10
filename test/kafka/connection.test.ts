// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import {
  connectionFromEnv,
  connectionFromSettings,
  connectionForChild,
  connectionFromChild,
  describeConnection,
  kafkaClientConfig,
  loadKafkaConfigFile,
  resolveKafkaConnection,
} from "../../src/kafka/connection";
import { InputError } from "../../src/errors";
import { tempDir } from "../helpers/kafka";

const SECRET = "s3cr3t-Pa55word-do-not-print";

test("a SASL_SSL cluster from env vars: credentials reach kafkajs but no printout", () => {
  const conn = connectionFromEnv({
    PERFLAB_BOOTSTRAP: "a.example.com:9092,b.example.com:9092",
    PERFLAB_SECURITY_PROTOCOL: "SASL_SSL",
    PERFLAB_SASL_MECHANISM: "SCRAM-SHA-512",
    PERFLAB_SASL_USERNAME: "api-key-1",
    PERFLAB_SASL_PASSWORD: SECRET,
  });
  assert.deepEqual(conn.bootstrap, ["a.example.com:9092", "b.example.com:9092"]);
  assert.equal(conn.securityProtocol, "SASL_SSL");
  const cfg = kafkaClientConfig(conn, "x");
  assert.deepEqual(cfg.sasl, { mechanism: "scram-sha-512", username: "api-key-1", password: SECRET });
  assert.equal(cfg.ssl, true);
  for (const shown of [JSON.stringify(conn), inspect(conn, { depth: 5 }), String(conn.sasl!.password), JSON.stringify(describeConnection(conn))]) {
    assert.ok(!shown.includes(SECRET), `secret leaked in: ${shown}`);
    assert.ok(!shown.includes("api-key-1"), `username leaked in: ${shown}`);
  }
});

test("child processes get credentials through env only, never in their JSON settings", () => {
  const conn = connectionFromSettings({ bootstrap: "h:1", sasl: { mechanism: "plain", username: "u", password: SECRET } }, "spec");
  const { settings, env } = connectionForChild(conn);
  assert.ok(!JSON.stringify(settings).includes(SECRET));
  assert.equal(env.PERFLAB_SASL_PASSWORD, SECRET);
  const back = connectionFromChild(settings, env);
  assert.equal(kafkaClientConfig(back, "c").sasl && (kafkaClientConfig(back, "c").sasl as { password: string }).password, SECRET);
});

test("a Confluent-style client.properties file is understood", () => {
  const dir = tempDir("perflab-conn-");
  const file = path.join(dir, "client.properties");
  fs.writeFileSync(
    file,
    [
      "# Required connection configs for Kafka producer, consumer, and admin",
      "bootstrap.servers=pkc-123.eu-west-1.aws.confluent.cloud:9092",
      "security.protocol=SASL_SSL",
      "sasl.mechanism=PLAIN",
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY' password='${SECRET}';`.replace(/'/g, '"'),
    ].join("\n"),
  );
  const conn = loadKafkaConfigFile(file);
  assert.equal(conn.sasl!.mechanism, "plain");
  assert.equal(conn.sasl!.username.reveal(), "KEY");
  assert.equal(conn.sasl!.password.reveal(), SECRET);
  assert.equal(conn.securityProtocol, "SASL_SSL");
});

test("a YAML config file may name env vars for the secrets", () => {
  const dir = tempDir("perflab-conn-");
  const file = path.join(dir, "kafka.yaml");
  fs.writeFileSync(file, "bootstrap: [h1:9092]\nsasl:\n  mechanism: scram-sha-256\n  usernameEnv: MY_USER\n  passwordEnv: MY_PASS\n");
  const conn = loadKafkaConfigFile(file, { MY_USER: "me", MY_PASS: SECRET });
  assert.equal(conn.securityProtocol, "SASL_PLAINTEXT");
  assert.equal(conn.sasl!.password.reveal(), SECRET);
  assert.throws(() => loadKafkaConfigFile(file, {}), (e: unknown) => e instanceof InputError && /kafka\.yaml\.sasl\.username is missing \(env MY_USER is empty\)/.test(e.message));
});

test("bad settings name the field", () => {
  const cases: Array<[Parameters<typeof connectionFromSettings>[0], RegExp]> = [
    [{ bootstrap: "" }, /bootstrap is empty/],
    [{ bootstrap: "nohostport" }, /"nohostport" is not host:port/],
    [{ bootstrap: "h:1", securityProtocol: "TLS" }, /securityProtocol must be one of/],
    [{ bootstrap: "h:1", securityProtocol: "SASL_SSL" }, /sasl is required/],
    [{ bootstrap: "h:1", sasl: { mechanism: "GSSAPI", username: "u", password: "p" } }, /sasl\.mechanism must be one of/],
    [{ bootstrap: "h:1", securityProtocol: "PLAINTEXT", sasl: { mechanism: "plain", username: "u", password: "p" } }, /sasl makes no sense with securityProtocol PLAINTEXT/],
  ];
  for (const [settings, re] of cases) {
    assert.throws(() => connectionFromSettings(settings, "test"), (e: unknown) => e instanceof InputError && re.test(e.message), `expected ${re}`);
  }
  assert.throws(() => loadKafkaConfigFile("/nonexistent/kafka.yaml"), /Kafka config file \/nonexistent\/kafka\.yaml not found/);
});

test("resolution order: config file, then explicit bootstrap, then env, then the embedded cluster", () => {
  const dir = tempDir("perflab-conn-");
  const file = path.join(dir, "k.json");
  fs.writeFileSync(file, JSON.stringify({ bootstrap: "file:1" }));
  const env = { PERFLAB_BOOTSTRAP: "env:1" };
  assert.deepEqual(resolveKafkaConnection({ configFile: file, bootstrap: "cli:1", env })!.bootstrap, ["file:1"]);
  assert.deepEqual(resolveKafkaConnection({ bootstrap: "cli:1", env })!.bootstrap, ["cli:1"]);
  assert.deepEqual(resolveKafkaConnection({ env })!.bootstrap, ["env:1"]);
  assert.equal(resolveKafkaConnection({ env: {}, stateDir: dir }), null);
});
