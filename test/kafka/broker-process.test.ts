// test-kind: unit
// Why a broker died while starting, read from its log; which deaths a start with free ports retries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPortTaken, startupFailure } from "../../src/kafka/broker-process";
import { ClusterError } from "../../src/errors";

// The shape of a real log (Kafka 4.1, a client port taken): the error, its causes, then ~100 lines of shutdown.
const bindFailure = [
  "[2026-12-05 07:29:38,700] ERROR Unable to start acceptor for CLIENT (kafka.network.DataPlaneAcceptor)",
  "org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:26647: Address already in use.",
  "\tat kafka.network.Acceptor.openServerSocket(SocketServer.scala:734)",
  "Caused by: java.net.BindException: Address already in use",
  "[2026-12-05 07:29:38,719] ERROR [BrokerServer id=2] Received a fatal error while waiting for all of the SocketServer Acceptors to be started (kafka.server.BrokerServer)",
  "Caused by: org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:26647: Address already in use.",
  "Caused by: java.net.BindException: Address already in use",
  ...Array.from({ length: 100 }, (_, i) => `[2026-12-05 07:29:38,8${String(i).padStart(2, "0")}] INFO [BrokerServer id=2] shutting down part ${i} (kafka.server.BrokerServer)`),
].join("\n");

test("startupFailure: the root cause of the last exception, else the first ERROR line, else nothing", () => {
  assert.equal(startupFailure(bindFailure), "Caused by: java.net.BindException: Address already in use");
  assert.equal(startupFailure("[t] INFO starting\n[t] ERROR [KafkaRaftServer nodeId=1] Fatal error during startup\n[t] ERROR later"), "[t] ERROR [KafkaRaftServer nodeId=1] Fatal error during startup");
  assert.equal(startupFailure("[t] INFO all fine\n[t] INFO ERRORS=0 in a message"), "");
});

test("isPortTaken: only a broker that died on a bind failure is retried elsewhere", () => {
  const died = (why: string) => new ClusterError("BROKER_DIED", `broker 2 exited during startup: ${why} (log: /x/broker-2.log)`);
  assert.equal(isPortTaken(died(startupFailure(bindFailure))), true);
  assert.equal(isPortTaken(died("Caused by: java.lang.OutOfMemoryError: Java heap space")), false);
  assert.equal(isPortTaken(new ClusterError("FORMAT_FAILED", "Address already in use")), false);
  assert.equal(isPortTaken(new Error("Address already in use")), false);
});
