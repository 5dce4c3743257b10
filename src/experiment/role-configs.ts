import { RunLayout } from "../results/files";
import type { RoleConfig } from "../roles/role-config";
import type { Configuration } from "../spec";
import type { Compression } from "../clients/types";

/** The role processes of a configuration (consumers first: they join before producers start). */
export function buildRoleConfigs(c: Configuration, runId: string, layout: RunLayout, connection: RoleConfig["connection"]): RoleConfig[] {
  const s = c.spec;
  const w = s.workload;
  const workload: RoleConfig["workload"] = {
    messages: w.messages ?? null,
    durationSec: w.durationSec ?? null,
    messageSize: w.messageSize,
    payload: w.payload,
    rate: w.rate,
    keys: w.keys,
    keyCount: w.keyCount,
    seed: w.seed,
  };
  const common = (kind: "producer" | "consumer", index: number) => {
    const roleId = `${kind}-${index}`;
    return {
      roleId,
      kind,
      index,
      runId,
      configId: c.id,
      connection,
      workload,
      recordRaw: s.record.rawSamples,
      workDir: layout.workDir(c.id, roleId),
      seriesIntervalMs: s.record.intervalMs,
      clientLogFile: layout.clientLog(c.id, roleId),
    };
  };
  const producers: RoleConfig[] = Array.from({ length: s.producers.count }, (_, i) => ({
    ...common("producer", i),
    producer: {
      client: s.producers.client,
      acks: s.producers.acks,
      compression: s.producers.compression as Compression, // zstd is refused by validation
      idempotent: s.producers.idempotent,
      maxInFlightRequests: s.producers.maxInFlightRequests ?? null,
      batchSize: s.producers.batchSize,
      batchBytes: s.producers.batchBytes,
      lingerMs: s.producers.lingerMs,
      maxBufferedMessages: s.producers.maxBufferedMessages ?? null,
      idCarrier: s.producers.idCarrier!, // always set by validation
      source: s.producers.source ?? null,
      script: s.producers.script ?? null,
    },
    consumer: null,
  }));
  const consumers: RoleConfig[] = Array.from({ length: s.consumers.count }, (_, i) => ({
    ...common("consumer", i),
    producer: null,
    consumer: {
      client: s.consumers.client,
      idCarrier: s.producers.idCarrier!,
      mode: s.consumers.mode,
      processing: s.consumers.processing,
      handler: s.consumers.handler ?? null,
      script: s.consumers.script ?? null,
      commit: s.consumers.commit,
      flushIntervalMs: s.consumers.flushIntervalMs,
      autoCommitIntervalMs: s.consumers.autoCommitIntervalMs,
      prefetch: s.consumers.prefetch,
      autoAck: s.consumers.autoAck,
      onError: s.consumers.onError,
    },
  }));
  return [...consumers, ...producers];
}
