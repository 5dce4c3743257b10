// test-duration: ~20 s
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Partitioners } from "kafkajs";
import { createTopic, describeTopic, deleteTopics, embeddedConnection, labKafka, roundTrip, startEmbeddedKafka, stopEmbeddedKafka, withAdmin } from "../../src/kafka";
import { tempDir, testKafka, uniqueName } from "../helpers/kafka";

test("kafkajs round trip through the embedded broker returns every message with its metadata", { timeout: 90_000 }, async () => {
  const { conn } = await testKafka();
  const r = await roundTrip(conn, { topic: uniqueName("rt"), count: 25, partitions: 3 });
  assert.equal(r.messages.length, 25);
  assert.deepEqual(new Set(r.messages.map((m) => m.value)), new Set(Array.from({ length: 25 }, (_, i) => `message ${i}`)));
  const partitions = new Set(r.messages.map((m) => m.partition));
  assert.ok([...partitions].every((p) => p >= 0 && p < 3));
  // Offsets within a partition are 0..n-1, in order.
  for (const p of partitions) {
    const offsets = r.messages.filter((m) => m.partition === p).map((m) => Number(m.offset));
    assert.deepEqual(offsets, offsets.map((_, i) => i));
  }
  // CreateTime is set by the producer: within a minute of now.
  for (const m of r.messages) assert.ok(Math.abs(Date.now() - m.timestamp) < 60_000);
  // Same key → same partition.
  const byKey = new Map<string, Set<number>>();
  for (const m of r.messages) byKey.set(m.key!, (byKey.get(m.key!) ?? new Set()).add(m.partition));
  for (const [, ps] of byKey) assert.equal(ps.size, 1);
});

test("a topic takes writes when createTopic returns: a send spanning its partitions right away is written exactly once", { timeout: 120_000 }, async () => {
  // Before createTopic waited for leaders that take writes, 53 of 200 such sends (beside two CPU hogs) met
  // NOT_LEADER_OR_FOLLOWER, and kafkajs's retry wrote some partitions twice (kafkajs#1303).
  const { conn } = await testKafka();
  const producer = labKafka(conn, "createtopic-ready").producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 5 } });
  await producer.connect();
  const topics: string[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const topic = uniqueName(`ready${i}`);
      topics.push(topic);
      await createTopic(conn, { name: topic, partitions: 3, replicationFactor: 1 });
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 25 }, (_, j) => ({ key: `key-${j % 5}`, value: `message ${j}` })) });
      const ends = await withAdmin(conn, (a) => a.fetchTopicOffsets(topic));
      assert.equal(ends.reduce((sum, p) => sum + Number(p.high), 0), 25, `${topic}: log end offsets ${ends.map((p) => p.high).join(", ")}`);
    }
  } finally {
    await producer.disconnect();
    await deleteTopics(conn, topics);
  }
});

test("topics are created with the partitions, replication and config asked for, and deleted", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  const name = uniqueName("desc");
  await createTopic(conn, { name, partitions: 4, replicationFactor: 1, config: { "retention.ms": 60_000, "min.insync.replicas": 1 } });
  const d = await describeTopic(conn, name);
  assert.equal(d.partitions.length, 4);
  assert.deepEqual(d.partitions.map((p) => p.partition), [0, 1, 2, 3]);
  for (const p of d.partitions) assert.deepEqual(p.replicas.length, 1);
  assert.equal(d.config["retention.ms"], "60000");
  await assert.rejects(createTopic(conn, { name, partitions: 1, replicationFactor: 1 }), /already exists/);
  await deleteTopics(conn, [name]);
  const topics = await withAdmin(conn, (a) => a.listTopics());
  assert.ok(!topics.includes(name));
});

test("a replication factor above the broker count is refused by Kafka", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  await assert.rejects(createTopic(conn, { name: uniqueName("rf"), partitions: 1, replicationFactor: 3 }), /replication factor/i);
});

test("a port taken between the free-port search and the broker's bind: the start picks other ports and the cluster comes up", { timeout: 180_000 }, async () => {
  const stateDir = tempDir("perflab-portrace-");
  const taken: net.Server[] = [];
  const lines: string[] = [];
  try {
    const k = await startEmbeddedKafka({
      brokers: 1,
      basePort: "auto",
      stateDir,
      owner: process.pid,
      log: (line) => {
        lines.push(line);
        // The first start names its ports just before the JVM binds them: take its client port first.
        const m = /client ports (\d+)/.exec(line);
        if (m && taken.length === 0) taken.push(net.createServer().listen(Number(m[1]), "127.0.0.1"));
      },
    });
    const takenPort = (taken[0]!.address() as net.AddressInfo).port;
    assert.ok(lines.some((l) => /a port picked for the brokers was taken before they bound it: picking others .*Address already in use/.test(l)), lines.join("\n"));
    assert.notEqual(k.bootstrap[0], `127.0.0.1:${takenPort}`);
    const r = await roundTrip(embeddedConnection(k.bootstrap), { topic: uniqueName("race"), count: 5, partitions: 1 });
    assert.equal(r.messages.length, 5);
  } finally {
    for (const s of taken) s.close();
    await stopEmbeddedKafka({ stateDir });
  }
});
