// test-kind: unit
// unregisterBroker's failures (no Kafka needed): each is one ClusterError naming the broker and the address, within
// its timeout, so a restart falls back to Kafka's own wait instead of hanging.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ClusterError } from "../../src/errors";
import { unregisterBroker } from "../../src/kafka/unregister";

test("unregisterBroker: a refused connection is a ClusterError naming the broker and the address", async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r)); // the port is free now: nothing listens
  await assert.rejects(unregisterBroker(`127.0.0.1:${port}`, 2, { timeoutMs: 2000 }), (e: unknown) => e instanceof ClusterError && /broker 2 was not unregistered \(asked 127\.0\.0\.1:\d+\)/.test(e.message));
});

test("unregisterBroker: a listener that never answers is given up after the timeout, not waited on", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => void sockets.push(s)); // accepts, reads, never answers
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  try {
    await assert.rejects(unregisterBroker(`127.0.0.1:${port}`, 3, { timeoutMs: 300 }), (e: unknown) => e instanceof ClusterError && /broker 3 was not unregistered/.test(e.message) && /0\.3 s/.test(e.message));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});
