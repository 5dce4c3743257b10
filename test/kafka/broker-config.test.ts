// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { brokerPorts, brokerProperties, scramFormatArgs, allPorts } from "../../src/kafka/broker-config";
import { parseJavaMajor } from "../../src/kafka/java";

function props(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

test("three brokers form one controller quorum and replicate internal topics 3 times", () => {
  const ports = brokerPorts(3, 19092, false);
  assert.deepEqual(ports.map((p) => [p.id, p.port, p.controllerPort]), [[1, 19092, 19192], [2, 19093, 19193], [3, 19094, 19194]]);
  const p = props(brokerProperties({ self: ports[1]!, all: ports, host: "127.0.0.1", dataDir: "/d/2" }));
  assert.equal(p["node.id"], "2");
  assert.equal(p["process.roles"], "broker,controller");
  assert.equal(p["controller.quorum.voters"], "1@127.0.0.1:19192,2@127.0.0.1:19193,3@127.0.0.1:19194");
  assert.equal(p["listeners"], "CLIENT://127.0.0.1:19093,CONTROLLER://127.0.0.1:19193");
  assert.equal(p["advertised.listeners"], "CLIENT://127.0.0.1:19093");
  assert.equal(p["offsets.topic.replication.factor"], "3");
  assert.equal(p["transaction.state.log.min.isr"], "2");
  assert.equal(p["log.dirs"], "/d/2");
});

test("a single broker cannot ask for more replicas than it has", () => {
  const ports = brokerPorts(1, 20000, false);
  const p = props(brokerProperties({ self: ports[0]!, all: ports, host: "127.0.0.1", dataDir: "/d" }));
  assert.equal(p["offsets.topic.replication.factor"], "1");
  assert.equal(p["transaction.state.log.min.isr"], "1");
});

test("SASL users get a SASL_PLAINTEXT client listener and a PLAINTEXT inter-broker one", () => {
  const ports = brokerPorts(1, 20000, true);
  assert.equal(allPorts(ports).length, 3);
  const p = props(brokerProperties({ self: ports[0]!, all: ports, host: "127.0.0.1", dataDir: "/d", saslUsers: { alice: "pw" } }));
  assert.match(p["listener.security.protocol.map"]!, /CLIENT:SASL_PLAINTEXT/);
  assert.equal(p["inter.broker.listener.name"], "INTERNAL");
  assert.match(p["listener.name.client.plain.sasl.jaas.config"]!, /user_alice="pw"/);
  assert.deepEqual(scramFormatArgs({ alice: "pw" }), [
    "--add-scram", "SCRAM-SHA-256=[name=alice,password=pw]",
    "--add-scram", "SCRAM-SHA-512=[name=alice,password=pw]",
  ]);
});

test("overrides win over the lab's defaults", () => {
  const ports = brokerPorts(1, 20000, false);
  const p = props(brokerProperties({ self: ports[0]!, all: ports, host: "127.0.0.1", dataDir: "/d", overrides: { "num.io.threads": 8 } }));
  assert.equal(p["num.io.threads"], "8");
});

test("java version lines parse to their feature release", () => {
  assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(parseJavaMajor('java version "1.8.0_392"'), 8);
  assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
  assert.equal(parseJavaMajor("garbage"), 0);
});
