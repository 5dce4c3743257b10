// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupPosition, kafkaLag, positionAt, queueLag, type LogSample, type PositionTrace } from "../../src/experiment/broker-lag";
import { ProgressTraces } from "../../src/experiment/lag-sampler";
import type { RoleSet } from "../../src/experiment/role-set";

/** A consumer that reports every 200 ms while processing `rate` msg/s on partition 0 from offset 0. */
function steadyTrace(rate: number, untilMs: number): PositionTrace {
  const tr: PositionTrace = { t: [], positions: [] };
  for (let t = 0; t <= untilMs; t += 200) {
    tr.t.push(t);
    tr.positions.push({ 0: (rate * t) / 1000 });
  }
  return tr;
}

const sample = (t: number, high: number[], committed: number[] = high.map(() => -1)): LogSample => ({ t, high, low: high.map(() => 0), committed });

test("positionAt: linear between two reports, held after the last, unknown before the first", () => {
  const tr: PositionTrace = { t: [100, 300, 500], positions: [{ 0: 10 }, { 0: 30 }, { 0: 30, 1: 7 }] };
  assert.equal(positionAt(tr, 0, 50), null);
  assert.equal(positionAt(tr, 0, 100), 10);
  assert.equal(positionAt(tr, 0, 200), 20);
  assert.equal(positionAt(tr, 0, 400), 30);
  assert.equal(positionAt(tr, 0, 9000), 30);
  assert.equal(positionAt(tr, 1, 400), null, "partition 1 appears only at 500 ms");
  assert.equal(positionAt(tr, 1, 600), 7);
});

test("kafkaLag: a producer at 1,000 msg/s and a consumer at 400 msg/s: the lag grows at 600 msg/s", () => {
  const tr = steadyTrace(400, 5000);
  const samples = [1000, 2000, 3000, 4000].map((t) => sample(t, [t]));
  const lag = kafkaLag(samples, [tr]);
  assert.deepEqual(
    lag.map((p) => p.lag),
    [600, 1200, 1800, 2400],
  );
  assert.deepEqual(
    lag.map((p) => p.logEnd),
    [1000, 2000, 3000, 4000],
  );
});

test("kafkaLag: a consumer that stops for 1 s: its lag climbs by the production in that second, then it catches up", () => {
  // 500 msg/s both ways (no lag), the consumer paused from 1,000 to 2,000 ms, then 1,500 msg/s.
  const tr: PositionTrace = { t: [0, 200, 400, 600, 800, 1000, 2000, 2200, 2400], positions: [0, 100, 200, 300, 400, 500, 500, 800, 1100].map((p) => ({ 0: p })) };
  const lag = kafkaLag([sample(800, [400]), sample(1500, [750]), sample(1990, [995]), sample(2400, [1200])], [tr]);
  assert.deepEqual(
    lag.map((p) => p.lag),
    [0, 250, 495, 100],
  );
});

test("groupPosition: the furthest consumer of a partition, never behind the committed offset; the log start before anyone reported", () => {
  const a: PositionTrace = { t: [0, 1000], positions: [{ 0: 0 }, { 0: 100 }] };
  const b: PositionTrace = { t: [0, 1000], positions: [{ 0: 0, 1: 0 }, { 0: 40, 1: 60 }] };
  const s: LogSample = { t: 500, high: [200, 200, 200], low: [0, 0, 10], committed: [20, 45, -1] };
  assert.equal(groupPosition(s, 0, [a, b]), 50, "a: 50 at 500 ms beats b's 20 and the committed 20");
  assert.equal(groupPosition(s, 1, [a, b]), 45, "b at 30, committed 45: the committed offset is a floor");
  assert.equal(groupPosition(s, 2, [a, b]), 10, "nobody reported, nothing committed: the log start");
});

test("kafkaLag: committed lag from the committed offsets; lag never negative when a report is ahead of a sample", () => {
  const tr: PositionTrace = { t: [0, 1000], positions: [{ 0: 0 }, { 0: 1000 }] };
  const [p] = kafkaLag([{ t: 1000, high: [900], low: [0], committed: [300] }], [tr]);
  assert.equal(p!.lag, 0);
  assert.equal(p!.committedLag, 600);
  assert.equal(p!.logEnd, 900);
});

test("kafkaLag: sums partitions; a consumer's trace of one partition does not move another", () => {
  const a: PositionTrace = { t: [0, 1000], positions: [{ 0: 0 }, { 0: 500 }] };
  const [p] = kafkaLag([sample(1000, [800, 300])], [a]);
  assert.equal(p!.lag, 300 + 300);
  assert.equal(p!.logEnd, 1100);
});

test("kafkaLag: committed offsets the broker would not give: the lag from the consumers' positions alone, no committed lag", () => {
  const tr: PositionTrace = { t: [0, 1000], positions: [{ 0: 0 }, { 0: 400 }] };
  const [p] = kafkaLag([{ t: 1000, high: [900], low: [0], committed: null }], [tr]);
  assert.equal(p!.lag, 500);
  assert.equal(p!.committedLag, null);
});

test("queueLag: RabbitMQ's ready count plus what each consumer holds unprocessed at that instant", () => {
  const a: PositionTrace = { t: [0, 1000], positions: [{ 0: 0 }, { 0: 100 }] };
  const b: PositionTrace = { t: [600], positions: [{ 0: 3000 }] };
  assert.deepEqual(queueLag([{ t: 500, ready: 1000 }, { t: 1000, ready: 0 }], [a, b]), [1050, 3100], "b had not reported at 500 ms: 0");
});

test("ProgressTraces: a consumer's positions at the times its reports were made, not when they arrived; reports without a position skipped", () => {
  // The two members of a RoleSet that ProgressTraces reads: its consumers' latest progress, and role events.
  let notify = () => undefined as void;
  const consumer = { roleId: "consumer-0", progress: { positions: {} as Record<string, number>, atMs: 0 } };
  const roles = { consumers: [consumer], onEvent: (fn: () => void) => ((notify = fn), () => undefined) } as unknown as RoleSet;
  const origin = 10_000;
  const traces = new ProgressTraces(roles, origin, (p) => Object.fromEntries(Object.entries(p.positions).map(([k, v]) => [Number(k.split(":")[1]), v])));
  const report = (atMs: number, positions: Record<string, number>) => {
    consumer.progress = { positions, atMs };
    notify();
  };
  report(origin + 5, {}); // nothing processed yet: no point
  report(origin + 20, { "t:0": 3 });
  report(origin + 220, { "t:0": 103 });
  notify(); // another role's event: the same report is not recorded twice
  assert.deepEqual(traces.stop(), [{ t: [20, 220], positions: [{ 0: 3 }, { 0: 103 }] }]);
});
