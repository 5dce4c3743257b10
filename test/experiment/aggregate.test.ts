// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { accountMessages, repRow, summarize, type RepRow, type RoleRepResult } from "../../src/results";
import { ProducerMetrics } from "../../src/workload/producer-metrics";
import { ConsumerMetrics } from "../../src/workload/consumer-metrics";
import { Batch } from "../../src/workload/batch";

const T0 = 1_000_000;
const ms = (x: number) => T0 + x;

/** One message acknowledged alone, sent at ms(sendAt), acked 2 ms later (or at ackAt). */
function ack(p: ProducerMetrics, seq: number, sendAt: number, ackAt = sendAt + 2): void {
  const b = new Batch("t", 0);
  b.add({ value: null }, 10, ms(sendAt), undefined, seq, null);
  p.onAckedBatch(b, seq, ms(sendAt), ms(ackAt));
}

function producerSent(index: number, n: number, ackedIds: number[]): ProducerMetrics {
  const p = new ProducerMetrics(index, "header", T0);
  for (let i = 0; i < n; i++) {
    p.nextSeq();
    p.onSend(10, ms(i));
  }
  for (const id of ackedIds) ack(p, id, id);
  if (n > ackedIds.length) p.onFailure(n - ackedIds.length, { name: "KafkaJSNumberOfRetriesExceeded" });
  return p;
}

function consumerGot(receipts: Array<[number, number]>): ConsumerMetrics {
  const c = new ConsumerMetrics("header", T0);
  receipts.forEach(([pi, seq], k) => {
    c.onReceive(0, k, { producerIndex: pi, seq, sendMs: ms(seq) }, { timestamp: Date.now() }, 10, ms(seq + 5));
    c.onProcessed("t", 0, k, ms(seq + 5), ms(seq + 6));
  });
  return c;
}

test("exact accounting by message id: acked, consumed, duplicates, lost, delivered-but-unacked", () => {
  // Producer 0 sends ids 0..9; 0..8 acked, 9 failed. Producer 1 sends 0..2, all acked.
  const p0 = producerSent(0, 10, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const p1 = producerSent(1, 3, [0, 1, 2]);
  // Two consumers: id 3 of producer 0 arrives twice (once each), id 8 never, id 9 (unacked) arrives.
  const c0 = consumerGot([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]]);
  const c1 = consumerGot([[0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 9], [1, 2]]);
  const a = accountMessages([p0.snapshot(), p1.snapshot()], [c0.snapshot(), c1.snapshot()]);
  assert.deepEqual(a, { produced: 13, acked: 12, failed: 1, consumed: 12, duplicates: 1, lost: 1, unackedDelivered: 1, untracked: 0 });
});

test("messages without the lab's header are counted as untracked, not as lost or duplicates", () => {
  const c = new ConsumerMetrics("header", T0);
  c.onReceive(0, 0, null, { timestamp: Date.now() }, 5, ms(1));
  const a = accountMessages([], [c.snapshot()]);
  assert.equal(a.untracked, 1);
  assert.equal(a.consumed, 0);
});

test("ids keep counting across measurement windows, and accounting covers only the window", () => {
  const p = producerSent(0, 5, [0, 1, 2, 3, 4]);
  const next = p.fresh(T0);
  for (let i = 0; i < 3; i++) {
    const id = next.nextSeq();
    next.onSend(10, ms(i));
    ack(next, id, i, i + 1);
  }
  const snap = next.snapshot();
  assert.equal(snap.accounting.firstSeq, 5);
  const c = consumerGot([[0, 5], [0, 6], [0, 7]]);
  assert.deepEqual(accountMessages([snap], [c.snapshot()]), { produced: 3, acked: 3, failed: 0, consumed: 3, duplicates: 0, lost: 0, unackedDelivered: 0, untracked: 0 });
});

function result(kind: "producer" | "consumer", snap: ReturnType<ProducerMetrics["snapshot"]> | ReturnType<ConsumerMetrics["snapshot"]>): RoleRepResult {
  const emptySeries = { intervalMs: 250, buckets: 0, counters: {}, gauges: {} };
  return {
    version: 2,
    roleId: `${kind}-0`,
    kind,
    index: 0,
    pid: 1,
    configId: "c1",
    rep: 1,
    repKind: "measured",
    state: "completed",
    error: null,
    producers: kind === "producer" ? [snap as ReturnType<ProducerMetrics["snapshot"]>] : [],
    consumers: kind === "consumer" ? [snap as ReturnType<ConsumerMetrics["snapshot"]>] : [],
    process: { cpuUserMs: 10, cpuSystemMs: 5, maxRssBytes: 50 * 2 ** 20, maxHeapUsedBytes: 1, eventLoopDelayMs: { mean: 0, p50: 0, p99: 0, max: 0 }, series: emptySeries },
    profile: null,
  };
}

test("a repetition row: loop times from the roles' clocks, throughput, latency percentiles, CPU", () => {
  const p = producerSent(0, 100, Array.from({ length: 100 }, (_, i) => i)); // sends at 0..99 ms, acks +2 ms
  const c = consumerGot(Array.from({ length: 100 }, (_, i) => [0, i] as [number, number])); // received seq+5, processed seq+6
  const row = repRow({ configId: "c1", label: "l", rep: 1, kind: "measured", state: "completed", error: null, runMs: 105, results: [result("producer", p.snapshot()), result("consumer", c.snapshot())] });
  assert.equal(row.producerLoopMs, 101); // first send 0 ms → last ack 101 ms
  assert.equal(row.consumerLoopMs, 100); // first receipt 5 ms → last processed 105 ms
  assert.ok(Math.abs(row.produceThroughputMsgsPerSec! - 100 / 0.101) < 1e-6);
  // HdrHistogram keeps 3 significant digits: within 0.1%.
  assert.ok(Math.abs(row.sendLatencyP50Ms! - 2) <= 0.002);
  assert.ok(Math.abs(row.e2eLatencyP99Ms! - 5) <= 0.005);
  assert.equal(row.producerCpuMs, 15);
  assert.equal(row.cold, true);
  assert.equal(row.lost, 0);
});

test("summaries use warm measured repetitions; the cold first one is reported apart", () => {
  const base = { configId: "c1", label: "l", kind: "measured" as const, state: "completed" as const };
  const rows = [800, 400, 410, 390].map((loop, i) => ({ ...base, rep: i + 1, cold: i === 0, producerLoopMs: loop }) as unknown as RepRow);
  rows.push({ ...base, rep: 5, cold: false, kind: "profile", producerLoopMs: 999 } as unknown as RepRow);
  const s = summarize(rows).find((r) => r.metric === "producerLoopMs")!;
  assert.equal(s.n, 3);
  assert.equal(s.mean, 400);
  assert.equal(s.std, 10);
  assert.equal(s.cold, 800);
  assert.equal(s.coldRatio, 2);
});
