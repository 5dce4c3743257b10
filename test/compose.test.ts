// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import YAML from "yaml";
import Ajv from "ajv";
import { repoRoot } from "./helpers/cli";

// There is no Docker engine in CI: docker-compose.yml is checked against the Compose specification's
// JSON schema (as shipped by dclint) and for the properties the lab relies on.
const composeFile = path.join(repoRoot, "docker-compose.yml");
const compose = YAML.parse(fs.readFileSync(composeFile, "utf8"), { merge: true });
interface Service {
  image?: string;
  hostname?: string;
  environment: Record<string, string>;
  ports: string[];
  [key: string]: unknown;
}
const kafkaServices = Object.entries<Service>(compose.services).filter(([, s]) => String(s.image).startsWith("apache/kafka:"));

test("docker-compose.yml is valid against the Compose specification schema", () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "dclint", "schemas", "compose.schema.json"), "utf8"));
  delete schema.$schema; // "https://json-schema.org/draft-07/schema" without "#": Ajv's default dialect is draft-07 anyway
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  const ok = validate(compose);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  // The validator is not vacuous: a typo'd key and a wrong type are caught.
  const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
  broken.services["kafka-1"].portz = ["1:1"];
  broken.services["kafka-2"].ports = 9093;
  assert.equal(validate(broken), false);
  assert.ok(validate.errors!.length >= 2);
});

test("docker-compose.yml passes dclint (schema plus best-practice rules)", () => {
  const bin = path.join(repoRoot, "node_modules", ".bin", "dclint");
  const r = spawnSync(bin, [composeFile, "--color", "false"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("it runs a 3-broker KRaft quorum of the embedded Kafka's version, reachable from the host", () => {
  assert.equal(kafkaServices.length, 3);
  const pom = fs.readFileSync(path.join(repoRoot, "kafka", "pom.xml"), "utf8");
  const embeddedVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)![1];
  const ids = new Set<number>();
  const hostPorts: string[] = [];
  for (const [name, s] of kafkaServices) {
    assert.equal(s.image, `apache/kafka:${embeddedVersion}`, `${name} should run the same Kafka as the embedded cluster`);
    const env = s.environment;
    assert.equal(env.KAFKA_PROCESS_ROLES, "broker,controller");
    ids.add(Number(env.KAFKA_NODE_ID));
    const voters = String(env.KAFKA_CONTROLLER_QUORUM_VOTERS).split(",");
    assert.equal(voters.length, 3);
    assert.ok(voters.some((v) => v === `${env.KAFKA_NODE_ID}@${s.hostname}:29093`), `${name} must be a voter`);
    const hostListener = /HOST:\/\/localhost:(\d+)/.exec(env.KAFKA_ADVERTISED_LISTENERS)![1]!;
    assert.ok(s.ports.includes(`127.0.0.1:${hostListener}:9092`), `${name} must publish its advertised host port`);
    hostPorts.push(`localhost:${hostListener}`);
    assert.ok(env.CLUSTER_ID, "every node needs the shared CLUSTER_ID");
  }
  assert.deepEqual([...ids].sort(), [1, 2, 3]);
  assert.deepEqual(hostPorts.sort(), ["localhost:9092", "localhost:9093", "localhost:9094"]);
  const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
  assert.ok(readme.includes("PERFLAB_BOOTSTRAP=localhost:9092,localhost:9093,localhost:9094"), "README tells how to point the lab at the compose cluster");
});

test("it runs a RabbitMQ node with its management API, published on loopback only", () => {
  const r = (compose.services as Record<string, Service>).rabbitmq!;
  assert.match(String(r.image), /^rabbitmq:3\.\d+-management$/);
  assert.deepEqual([...r.ports].sort(), ["127.0.0.1:15672:15672", "127.0.0.1:5672:5672"]);
  assert.ok(r.healthcheck, "a health check, so dependants can wait for it");
});
