import type { CollectorCost } from "../results/model";
import type { RepRow } from "../results/rows";
import type { ExperimentSpec } from "../spec";
import { warmRows } from "../results/warm";

/**
 * What each collector cost: throughput of the profiling repetitions against the warm measured mean of
 * the same configuration, so a report can say how much profiling changed what it looked at.
 */
export function collectorCost(rows: RepRow[], spec: ExperimentSpec): CollectorCost[] {
  const mean = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const warm = warmRows(rows);
  const base = { produce: mean(warm.map((r) => r.produceThroughputMsgsPerSec)), consume: mean(warm.map((r) => r.consumeThroughputMsgsPerSec)) };
  const name = (kind: string) => (kind === "profile" ? [spec.profile.cpu ? "cpu" : null, spec.profile.heap ? "heap" : null].filter(Boolean).join("+") : kind === "calls" ? "calls (precise coverage)" : "flamegraph (0x)");
  return rows
    .filter((r) => r.kind === "profile" || r.kind === "calls" || r.kind === "flamegraph")
    .map((r) => ({
      configId: r.configId,
      rep: r.rep,
      collector: name(r.kind),
      produceMsgsPerSec: r.produceThroughputMsgsPerSec,
      consumeMsgsPerSec: r.consumeThroughputMsgsPerSec,
      warmProduceMsgsPerSec: base.produce,
      warmConsumeMsgsPerSec: base.consume,
      produceRatio: base.produce && r.produceThroughputMsgsPerSec !== null ? r.produceThroughputMsgsPerSec / base.produce : null,
      consumeRatio: base.consume && r.consumeThroughputMsgsPerSec !== null ? r.consumeThroughputMsgsPerSec / base.consume : null,
    }));
}
