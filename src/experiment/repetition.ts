import fs from "node:fs";
import path from "node:path";
import { errorMessage, PerfLabError, TimeoutError } from "../errors";
import { createTopic, withAdmin, type KafkaConnection } from "../kafka";
import type { ProfileRequest } from "../roles/control";
import type { RoleRepResult } from "../roles/role-config";
import type { Configuration } from "./validate";
import type { RepKind } from "./aggregate";
import type { RoleHandle, RoleSet } from "./role-set";
import { FaultScheduler, type FaultRecord } from "./faults";
import type { EmbeddedKafka } from "../kafka/embedded";
import { monoMs } from "../metrics/clock";
import { readJournal } from "../metrics/journal";
import { createHistogram, encodeHistogram } from "../metrics/histogram";

export interface RepPlan {
  number: number;
  kind: RepKind;
  /** In-process collectors for profile / calls repetitions. */
  profile: Omit<ProfileRequest, "outputBase"> | null;
  /** Roles profiled in this repetition. */
  profileRoles: Array<"producer" | "consumer">;
}

export interface RepContext {
  runId: string;
  runDir: string;
  profilesDir: string;
  connection: KafkaConnection;
  cluster: EmbeddedKafka | null;
  config: Configuration;
  roles: RoleSet;
  signal: AbortSignal;
  onStage: (stage: string) => void;
}

export interface RepOutcome {
  state: "completed" | "errored" | "interrupted";
  error: PerfLabError | null;
  topic: string;
  results: RoleRepResult[];
  /** Start → last message processed (or last ack without consumers), from the roles' own clocks. */
  runMs: number | null;
  faults: FaultRecord[];
  startedAt: string;
  durationMs: number;
}

export function topicFor(base: string, runId: string, configId: string, rep: number): string {
  return `${base}-${runId.slice(-6)}-${configId}-r${rep}`;
}

/**
 * One repetition: fresh topic and group, consumers assigned and the group stable, producers ready, then
 * start → producers finished → consumers drained → stop → results. Every wait has a timeout; a failing
 * role ends the repetition with an error naming it, and whatever the roles measured is still collected.
 */
export async function runRepetition(ctx: RepContext, plan: RepPlan): Promise<RepOutcome> {
  const { config, roles, connection } = ctx;
  const spec = config.spec;
  const t = spec.timeouts;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const topic = topicFor(spec.topic.name!, ctx.runId, config.id, plan.number);
  const groupId = `${topic}-group`;
  const repDir = path.join(ctx.runDir, "raw", config.id, `rep-${plan.number}`);
  fs.mkdirSync(repDir, { recursive: true });
  let originMs = 0;
  const addConsumer = async (): Promise<string> => {
    const template = roles.consumers[0]?.config;
    if (!template) throw new PerfLabError("FAULT_TARGET", "add-consumer needs at least one consumer to copy");
    const index = roles.consumers.length;
    const cfg = { ...template, index, roleId: `consumer-${index}`, workDir: path.join(path.dirname(template.workDir), `consumer-${index}`) };
    const h = await roles.add(cfg);
    roles.send([h], { type: "prepare", rep: plan.number, repKind: plan.kind, topic, groupId, resultFile: path.join(repDir, `${h.roleId}.json`), profile: null });
    await roles.waitAll([h], "assigned", plan.number, t.readyMs, "to be assigned partitions");
    roles.send([h], { type: "start", rep: plan.number, originMs });
    return h.roleId;
  };
  const faults = new FaultScheduler(ctx.cluster, roles, plan.kind === "measured" ? spec.faults : [], addConsumer);
  let error: PerfLabError | null = null;
  let started = false;
  roles.resetProgress();

  const abortable = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(new PerfLabError("INTERRUPTED", "interrupted"));
      const onAbort = () => reject(new PerfLabError("INTERRUPTED", "interrupted"));
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => ctx.signal.removeEventListener("abort", onAbort));
    });

  try {
    ctx.onStage("creating topic");
    await createTopic(connection, {
      name: topic,
      partitions: spec.topic.partitions,
      replicationFactor: spec.topic.replicationFactor,
      config: { ...spec.topic.config, ...(spec.topic.minInsyncReplicas ? { "min.insync.replicas": spec.topic.minInsyncReplicas } : {}) },
    });
    for (const r of roles.roles) {
      const profiled = plan.profile && plan.profileRoles.includes(r.kind);
      roles.send([r], {
        type: "prepare",
        rep: plan.number,
        repKind: plan.kind,
        topic,
        groupId: r.kind === "consumer" ? groupId : null,
        resultFile: path.join(repDir, `${r.roleId}.json`),
        profile: profiled ? { ...plan.profile!, outputBase: path.join(ctx.profilesDir, `${r.roleId}-${config.id}-rep${plan.number}`) } : null,
      });
    }
    ctx.onStage("waiting for consumers to join");
    await abortable(roles.waitAll(roles.consumers, "assigned", plan.number, t.readyMs, "to be assigned partitions"));
    if (roles.consumers.length > 0) await abortable(waitGroupStable(connection, groupId, roles.consumers.length, t.readyMs));
    await abortable(roles.waitAll(roles.producers, "ready", plan.number, t.readyMs, "to connect"));

    ctx.onStage("running");
    originMs = monoMs();
    started = true;
    roles.send(roles.roles, { type: "start", rep: plan.number, originMs });
    faults.start(originMs);
    await abortable(roles.waitAll(roles.producers, "finished", plan.number, t.runMs, "to finish producing", () => faults.failIfRoleCrashed()));
    if (roles.consumers.length > 0) {
      ctx.onStage("draining");
      await abortable(waitDrained(ctx, topic, t.drainMs, t.runMs, faults));
    }
    const late = roles.producers.flatMap((r) => r.errors.filter((e) => e.rep === plan.number));
    if (late.length) error = new PerfLabError("ROLE_ERROR", `${late[0]!.message} (${roles.producers.find((r) => r.errors.includes(late[0]!))?.roleId})`);
  } catch (err) {
    error = err instanceof PerfLabError ? err : new PerfLabError("REP_FAILED", errorMessage(err), { cause: err });
  } finally {
    await faults.stop();
  }

  // Stop and collect — also after a failure, so what was measured is kept.
  ctx.onStage("collecting");
  const alive = roles.roles.filter((r) => !r.exited && !faults.killed.has(r.roleId));
  roles.send(alive, { type: "stop", rep: plan.number });
  let results: RoleRepResult[] = [];
  try {
    await roles.waitAll(alive, "result", plan.number, t.stopMs, "to write its results");
  } catch (err) {
    error ??= err instanceof PerfLabError ? err : new PerfLabError("COLLECT_FAILED", errorMessage(err));
  }
  results = readResults(alive, repDir, plan.number);
  // Consumers that wrote no results (killed by a fault, or hung and killed after stopMs) still leave
  // their receipt journals: what they received stays in the accounting.
  for (const r of roles.consumers) {
    if (results.some((x) => x.roleId === r.roleId)) continue;
    const journal = path.join(repDir, `${r.roleId}.receipts`);
    if (fs.existsSync(journal)) results.push(killedConsumerResult(r, config.id, plan, journal, faults.killed.has(r.roleId)));
  }
  const roleError = results.find((r) => r.state === "errored" && r.error);
  if (!error && roleError) error = new PerfLabError("ROLE_ERROR", `${roleError.roleId}: ${roleError.error!.message}`);
  await faults.restore(); // brokers a fault stopped or paused come back before the next repetition
  const producers = results.flatMap((r) => r.producers);
  const sent = producers.reduce((n, p) => n + p.counters.sent, 0);
  if (!error && sent > 0 && producers.every((p) => p.counters.acked === 0)) {
    const kinds = [...new Set(producers.flatMap((p) => Object.keys(p.errors)))].join(", ");
    error = new PerfLabError("NOTHING_ACKED", `none of the ${sent} messages sent was acknowledged (${kinds || "no error reported"}); see the kafkajs logs in ${path.join(ctx.runDir, "logs")}`);
  }

  const interrupted = ctx.signal.aborted;
  return {
    state: interrupted ? "interrupted" : error ? "errored" : "completed",
    error: interrupted ? null : error,
    topic,
    results,
    runMs: started ? runMsOf(results) : null,
    faults: faults.records,
    startedAt,
    durationMs: performance.now() - t0,
  };
}

function killedConsumerResult(r: RoleHandle, configId: string, plan: RepPlan, journal: string, byFault: boolean): RoleRepResult {
  const { received, receipts } = readJournal(journal);
  const empty = encodeHistogram(createHistogram({ wasm: false }));
  const noSeries = { intervalMs: 1000, buckets: 0, counters: {}, gauges: {} };
  return {
    version: 1,
    roleId: r.roleId,
    kind: "consumer",
    index: r.index,
    pid: r.child.pid ?? 0,
    configId,
    rep: plan.number,
    repKind: plan.kind,
    state: byFault ? "killed" : "errored",
    error: { code: "KILLED", message: `${r.roleId} ${byFault ? "was killed by a fault" : "wrote no results"}; its receipts come from its journal` },
    producers: [],
    consumers: [
      {
        kind: "consumer",
        counters: { consumed: receipts, bytesConsumed: 0, duplicatesSeen: 0, untracked: 0, processingErrors: 0, commits: 0, flushes: 0, rebalances: 0, maxRequestQueueSize: 0 },
        loopMs: null,
        firstReceiveMs: null,
        lastProcessedMs: null,
        groupJoinMs: [],
        positions: {},
        histograms: { e2eLatencyUs: empty, e2eCreateTimeUs: empty, processingUs: empty, requestLatencyUs: empty },
        series: noSeries,
        accounting: { received: Object.fromEntries([...received].map(([p, c]) => [String(p), c.encode()])), untracked: 0 },
        errors: {},
        raw: null,
      },
    ],
    process: { cpuUserMs: 0, cpuSystemMs: 0, maxRssBytes: 0, maxHeapUsedBytes: 0, eventLoopDelayMs: { mean: 0, p50: 0, p99: 0, max: 0 }, series: noSeries },
    profile: null,
  };
}

function readResults(roles: RoleHandle[], repDir: string, rep: number): RoleRepResult[] {
  const out: RoleRepResult[] = [];
  for (const r of roles) {
    const file = path.join(repDir, `${r.roleId}.json`);
    if (!r.seen.has(`result:${rep}`) || !fs.existsSync(file)) continue;
    out.push(JSON.parse(fs.readFileSync(file, "utf8")) as RoleRepResult);
  }
  return out;
}

function runMsOf(results: RoleRepResult[]): number | null {
  const consumers = results.flatMap((r) => r.consumers);
  const ends = consumers.length ? consumers.map((c) => c.lastProcessedMs) : results.flatMap((r) => r.producers.map((p) => p.lastAckMs));
  const vals = ends.filter((x): x is number => x !== null);
  return vals.length ? Math.max(...vals) : null;
}

/** Wait until the consumer group is Stable with `members` members (all rebalances done). */
async function waitGroupStable(conn: KafkaConnection, groupId: string, members: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  await withAdmin(conn, async (admin) => {
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0];
      last = `${g?.state ?? "?"} with ${g?.members.length ?? 0} member(s)`;
      if (g && g.state === "Stable" && g.members.length === members) return;
      if (Date.now() > deadline) throw new TimeoutError(`consumer group ${groupId} to be Stable with ${members} members`, timeoutMs, `last seen ${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

/**
 * Wait until the consumers' positions reach every partition's end (high watermark, read once producers
 * are done). Watchdog: if no consumer makes progress for `stallMs`, the wait ends with an error naming
 * the partitions still behind — a backlog that stops draining never hangs the run.
 */
async function waitDrained(ctx: RepContext, topic: string, stallMs: number, capMs: number, faults: FaultScheduler): Promise<void> {
  const ends = await withAdmin(ctx.connection, (a) => a.fetchTopicOffsets(topic));
  const targets = ends.map((e) => ({ partition: e.partition, high: Number(e.high), low: Number(e.low) })).filter((e) => e.high > e.low);
  const roles = ctx.roles;
  const behind = () =>
    targets.filter((t) => {
      const pos = Math.max(0, ...roles.consumers.map((c) => c.progress.positions[`${topic}:${t.partition}`] ?? 0));
      return pos < t.high;
    });
  const total = () => roles.consumers.reduce((s, c) => s + c.progress.consumed, 0);
  let lastTotal = total();
  let lastChange = Date.now();
  const start = Date.now();
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      try {
        faults.failIfRoleCrashed();
        const live = roles.consumers.filter((c) => !faults.killed.has(c.roleId));
        const dead = live.find((c) => c.exited);
        if (dead) throw roles.exitFailure(dead, "to consume");
        const failed = live.find((c) => c.progress.error?.startsWith("HANDLER_FAILED") || c.progress.error?.includes("handler failed"));
        if (failed) throw new PerfLabError("HANDLER_FAILED", `${failed.roleId}: ${failed.progress.error} (consumers.onError is "stop")`);
        if (behind().length === 0) return finish();
        const now = total();
        if (now !== lastTotal) {
          lastTotal = now;
          lastChange = Date.now();
        }
        if (Date.now() - lastChange > stallMs || Date.now() - start > capMs) {
          const b = behind();
          const lag = b.map((t) => `${t.partition}: ${t.high - Math.max(0, ...roles.consumers.map((c) => c.progress.positions[`${topic}:${t.partition}`] ?? 0))}`);
          const why = roles.consumers.filter((c) => c.progress.error).map((c) => `${c.roleId}: ${c.progress.error}`);
          throw new PerfLabError("DRAIN_STALLED", `consumers made no progress for ${(stallMs / 1000).toFixed(0)} s with messages left on ${topic} (partition: lag ${lag.join(", ")})${why.length ? ` — ${why.join("; ")}` : ""}`);
        }
      } catch (err) {
        finish(err);
      }
    };
    const off = roles.onEvent(check);
    const timer = setInterval(check, 200);
    const finish = (err?: unknown) => {
      off();
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
    check();
  });
}
