import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { createTopic, withAdmin } from "../../src/kafka";
import { InstrumentedConsumer, InstrumentedProducer, Events, type ConsumedMessage } from "../../src/workload";
import { accountMessages } from "../../src/results";
import { joinOffsets } from "../../src/results/join";
import { decodeHistogram } from "../../src/metrics/histogram";
import { waitFor } from "../../src/util/timeout";
import { testKafka, uniqueName } from "../helpers/kafka";

async function topic(partitions = 3): Promise<string> {
  const { conn } = await testKafka();
  const name = uniqueName("inst");
  await createTopic(conn, { name, partitions, replicationFactor: 1 });
  return name;
}

test("batching: batchSize sends full batches at once, linger holds the rest, flush sends it", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  // Batches are per partition (like the Java client's): one partition makes the batch boundaries exact.
  const t = await topic(1);
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 10, lingerMs: 5000 });
  const batches: number[] = [];
  const off = p.events.on<{ count: number }>(Events.PRODUCER_BATCH_END, (e) => batches.push(e.payload.count));
  await p.connect();
  const acks = Array.from({ length: 25 }, (_, i) => p.send({ key: `k${i}`, value: `v${i}` }));
  await Promise.all(acks.slice(0, 20));
  await sleep(200);
  assert.equal(p.metrics.ackedCount, 20, "the last 5 wait for linger (5 s) or a flush");
  assert.deepEqual(batches, [10, 10]);
  await p.flush();
  assert.equal(p.metrics.ackedCount, 25);
  assert.deepEqual(batches, [10, 10, 5]);
  off();
  await p.disconnect();
});

test("messages are batched per partition: every sendBatch carries one partition's full batch", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic(3);
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 10, lingerMs: 5000 });
  const batches: Array<{ partition: number; count: number }> = [];
  const off = p.events.on<{ partition: number; count: number }>(Events.PRODUCER_BATCH_END, (e) => batches.push(e.payload));
  await p.connect();
  await Promise.all(Array.from({ length: 30 }, (_, i) => p.send({ value: `v${i}`, partition: i % 3 })));
  assert.equal(p.metrics.ackedCount, 30, "three full batches, no linger wait");
  assert.deepEqual(batches.map((b) => b.count), [10, 10, 10]);
  assert.deepEqual(batches.map((b) => b.partition).sort(), [0, 1, 2]);
  off();
  await p.disconnect();
});

test("lingerMs delays a partial batch by about that long; the wait is in the send→ack latency", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic();
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 1000, lingerMs: 150 });
  await p.connect();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 5 }, (_, i) => p.send({ value: `v${i}` })));
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 145, `acked after ${elapsed.toFixed(0)} ms`);
  assert.equal(p.metrics.batches, 1);
  assert.ok(p.metrics.sendLatencyUs.toHistogram().getValueAtPercentile(50) >= 145_000);
  await p.disconnect();
});

test("every compression codec round-trips through the broker; with the header carrier each message carries its id and send time", { timeout: 90_000 }, async () => {
  const { conn } = await testKafka();
  for (const compression of ["none", "gzip", "snappy", "lz4"] as const) {
    const t = await topic(1);
    const p = new InstrumentedProducer({ connection: conn, topic: t, compression, batchSize: 50, idCarrier: "header" });
    await p.connect();
    const payload = `${compression} `.repeat(200);
    await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ key: String(i), value: payload + i })));
    const got: ConsumedMessage[] = [];
    const c = new InstrumentedConsumer({ connection: conn, groupId: uniqueName("codec"), topics: [t], idCarrier: "header", handler: (m) => void got.push(m) });
    await c.start();
    await waitFor(`100 ${compression} messages`, () => got.length >= 100, { timeoutMs: 30_000 });
    await c.stop();
    await p.disconnect();
    assert.equal(got.length, 100, compression);
    assert.equal(got[42]!.value!.toString(), payload + got[42]!.key!.toString(), `${compression} payload intact`);
    assert.deepEqual(new Set(got.map((m) => m.id!.seq)).size, 100);
    assert.ok(got.every((m) => m.id!.producerIndex === 0));
    assert.equal(c.metrics.e2eLatencyUs.count, 100, "end-to-end latency from the header of every message");
    assert.deepEqual(accountMessages([p.metrics.snapshot()], [c.metrics.snapshot()]).lost, 0);
  }
});

test("commit strategies: per-message commits every offset; after-flush commits only what a flush covered", { timeout: 90_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic(1);
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 20 });
  await p.connect();
  await Promise.all(Array.from({ length: 40 }, (_, i) => p.send({ value: `m${i}` })));
  await p.disconnect();
  const committed = async (group: string) => withAdmin(conn, async (a) => Number((await a.fetchOffsets({ groupId: group, topics: [t] }))[0]!.partitions[0]!.offset));

  const g1 = uniqueName("per-msg");
  const c1 = new InstrumentedConsumer({ connection: conn, groupId: g1, topics: [t], commit: "per-message", handler: () => undefined });
  await c1.start();
  await waitFor("40 processed", () => c1.metrics.received === 40, { timeoutMs: 30_000 });
  assert.equal(await committed(g1), 40);
  assert.equal(c1.metrics.commits, 40);
  await c1.stop();

  const g2 = uniqueName("flush");
  let flushed = 0;
  const c2 = new InstrumentedConsumer({
    connection: conn,
    groupId: g2,
    topics: [t],
    commit: "after-flush",
    flushIntervalMs: 60_000,
    handler: () => undefined,
    flush: () => void flushed++,
  });
  await c2.start();
  await waitFor("40 processed", () => c2.metrics.received === 40, { timeoutMs: 30_000 });
  assert.equal(await committed(g2), -1, "nothing is committed before a flush");
  await c2.flushAndCommit();
  assert.equal(flushed, 1);
  assert.equal(await committed(g2), 40);
  await c2.stop();
});

test("a throwing handler is counted as a processing error and consumption goes on", { timeout: 60_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic(1);
  const p = new InstrumentedProducer({ connection: conn, topic: t });
  await p.connect();
  await Promise.all(Array.from({ length: 10 }, (_, i) => p.send({ value: String(i) })));
  await p.disconnect();
  const errors: unknown[] = [];
  const c = new InstrumentedConsumer({
    connection: conn,
    groupId: uniqueName("err"),
    topics: [t],
    handler: (m) => {
      if (Number(m.value!.toString()) % 3 === 0) throw new Error("bad record");
    },
  });
  // A listener that throws must not break the consumer either.
  c.events.on(Events.CONSUMER_PROCESSING_ERROR, (e) => {
    errors.push(e.payload);
    throw new Error("listener bug");
  });
  await c.start();
  await waitFor("10 processed", () => c.metrics.received === 10, { timeoutMs: 30_000 });
  await c.stop();
  assert.equal(c.metrics.processingErrors, 4);
  assert.equal(errors.length, 4);
  assert.equal(c.metrics.errors.get("Error"), 4);
});

test("the LZ4 frame codec: independent blocks, round trip for small, incompressible and multi-block inputs", async () => {
  const { lz4Frame } = await import("../../src/clients/kafkajs-codecs");
  const lz4 = await import("lz4js");
  const inputs = [Buffer.alloc(0), Buffer.from("hello hello hello hello"), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) & 0xff)), Buffer.alloc(9 * 1024 * 1024, 7)];
  for (const input of inputs) {
    const frame = lz4Frame(input);
    assert.equal(frame.readUInt32LE(0), 0x184d2204);
    assert.equal(frame[4]! & 0x20, 0x20, "block independence flag set (Kafka requires it)");
    assert.ok(Buffer.from(lz4.decompress(frame)).equals(input), `round trip of ${input.length} bytes`);
  }
});

test("offsets: nothing is added to the messages, and the join gives exact accounting and one latency per message", { timeout: 90_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic(3);
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 25 });
  assert.equal(p.options.idCarrier, "offsets", "offsets by default with acks -1");
  await p.connect();
  const sent = Array.from({ length: 150 }, (_, i) => ({ key: `k${i}`, value: `value-${i}` }));
  await Promise.all(sent.map((m) => p.send(m)));
  const got: ConsumedMessage[] = [];
  const c = new InstrumentedConsumer({ connection: conn, groupId: uniqueName("offsets"), topics: [t], handler: (m) => void got.push(m) });
  await c.start();
  await waitFor("150 messages", () => got.length >= 150, { timeoutMs: 30_000 });
  await c.stop();
  await p.disconnect();
  // The bytes are the producer's: no header, no trailer.
  assert.ok(got.every((m) => m.id === null && (m.headers === undefined || Object.keys(m.headers).length === 0)));
  assert.deepEqual(new Set(got.map((m) => m.value!.toString())), new Set(sent.map((m) => m.value)));
  // Every acknowledged message has a distinct (partition, offset) with its send time.
  assert.equal(p.metrics.offsetLog.count, 150);
  const j = joinOffsets([{ log: p.metrics.offsetLog, sent: 150, failed: 0 }], [{ roleId: "c", log: c.metrics.offsetLog }]);
  assert.deepEqual(j.accounting, { produced: 150, acked: 150, failed: 0, consumed: 150, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 });
  assert.equal(decodeHistogram(j.e2eByConsumer.c!).totalCount, 150, "one end-to-end latency per message");
  assert.equal(c.metrics.untracked, 0, "no id expected, none missing");
});

test("offsets and the header agree: same accounting, and the send time joined by offset equals the one the message carried", { timeout: 90_000 }, async () => {
  const { conn } = await testKafka();
  const t = await topic(3);
  const p = new InstrumentedProducer({ connection: conn, topic: t, batchSize: 20, idCarrier: "header" });
  await p.connect();
  await Promise.all(Array.from({ length: 120 }, (_, i) => p.send({ value: `v${i}` })));
  const c = new InstrumentedConsumer({ connection: conn, groupId: uniqueName("xcheck"), topics: [t], idCarrier: "header", handler: () => undefined });
  await c.start();
  await waitFor("120 messages", () => c.metrics.received >= 120, { timeoutMs: 30_000 });
  await c.stop();
  await p.disconnect();
  const byId = accountMessages([p.metrics.snapshot()], [c.metrics.snapshot()]);
  const j = joinOffsets([{ log: p.metrics.offsetLog, sent: 120, failed: 0 }], [{ roleId: "c", log: c.metrics.offsetLog }]);
  assert.deepEqual(j.accounting, byId);
  assert.deepEqual(j.crossCheck, { compared: 120, mismatches: 0, maxDiffUs: 0 });
});
