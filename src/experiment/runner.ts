import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { errorMessage } from "../errors";
import { profilesDir as defaultProfilesDir, reportsDir as defaultReportsDir } from "../paths";
import {
  connectionForChild,
  connectionFromEnv,
  connectionFromSettings,
  deleteTopics,
  describeConnection,
  embeddedConnection,
  ensureEmbeddedKafka,
  findEmbeddedKafka,
  KAFKA_ENV,
  loadKafkaConfigFile,
  stopEmbeddedKafka,
  withAdmin,
  type EmbeddedKafka,
  type KafkaConnection,
} from "../kafka";
import { ControlServer } from "../roles/control";
import type { RoleConfig } from "../roles/role-config";
import { pooledHistograms, repRow, seriesRows, type RepRow, type SummaryRow } from "./aggregate";
import { collectEnvironment } from "./environment";
import { createProgressReporter, inTslab, type ProgressOption, type ProgressReporter } from "./progress";
import { runRepetition, type RepPlan } from "./repetition";
import { RoleFailure, RoleSet } from "./role-set";
import { checkFlamegraph, zeroXLauncher } from "../profiling/zerox";
import { writeRunReport } from "../report/run-report";
import { ResultsStore, type Manifest, type RunState } from "./store";
import { applyQuick, applySets, loadSpec, validateSpec, type Configuration, type ValidatedSpec } from "./validate";
import type { SpecInput } from "./spec";
import type { RoleRepResult } from "../roles/role-config";
import type { Compression } from "../workload/codecs";

export interface RunOptions {
  /** `--quick`: shrink counts (for CI and first tries). */
  quick?: boolean;
  /** `--set key=value` overrides. */
  sets?: string[];
  /** Folder relative paths of an inline spec are resolved against (default: working directory). */
  baseDir?: string;
  /** Use this cluster instead of the spec's `kafka` section. */
  connection?: KafkaConnection;
  reportsDir?: string;
  profilesDir?: string;
  progress?: ProgressOption;
  /** Aborting stops every role, keeps what was measured and marks the run "interrupted". */
  signal?: AbortSignal;
  /** Give up after this long (ms): the run ends "interrupted" with what it measured (notebook cells use it). */
  timeoutMs?: number;
  /** Embedded cluster state folder (default: the workspace's). */
  stateDir?: string;
  /** Leave an embedded cluster this run started running afterwards (default: yes in notebooks, no on the CLI). */
  keepKafka?: boolean;
}

export interface RunResult {
  runId: string;
  runDir: string;
  state: RunState;
  error: string | null;
  warnings: string[];
  configurations: Configuration[];
  repetitions: RepRow[];
  summaries: SummaryRow[];
}

/** A readable, sortable, unique run id: 20261122-141503-<name>-<4 hex>. */
export function newRunId(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${name}-${crypto.randomBytes(2).toString("hex")}`;
}

/** The plan of one configuration's repetitions: warm-up, measured, then profiling repetitions. */
export function planRepetitions(c: Configuration): RepPlan[] {
  const s = c.spec;
  const plans: RepPlan[] = [];
  let n = 1;
  for (let i = 0; i < s.warmup; i++) plans.push({ number: n++, kind: "warmup", profile: null, profileRoles: [] });
  for (let i = 0; i < s.repetitions; i++) plans.push({ number: n++, kind: "measured", profile: null, profileRoles: [] });
  const p = s.profile;
  const base = { samplingIntervalUs: p.samplingIntervalUs, heapSamplingBytes: p.heapSamplingBytes };
  if (p.cpu || p.heap) plans.push({ number: n++, kind: "profile", profile: { ...base, cpu: p.cpu, heap: p.heap, calls: false }, profileRoles: p.roles });
  if (p.calls) plans.push({ number: n++, kind: "calls", profile: { ...base, cpu: false, heap: false, calls: true }, profileRoles: p.roles });
  if (p.flamegraph) plans.push({ number: n++, kind: "flamegraph", profile: null, profileRoles: p.roles });
  return plans;
}

/**
 * Run an experiment: every configuration of the matrix × its repetitions against real Kafka, each role
 * in its own process. Returns when done, failed or interrupted — never hangs (every wait has a timeout) —
 * with the run directory, which holds everything measured so far in every case.
 */
export async function runExperiment(spec: string | SpecInput | ValidatedSpec, opts: RunOptions = {}): Promise<RunResult> {
  const validated = validateInput(spec, opts);
  const { spec: s, configurations, warnings } = validated;
  const runId = newRunId(s.name);
  const runDir = path.join(opts.reportsDir ?? defaultReportsDir(), runId);
  const profilesDir = path.join(opts.profilesDir ?? defaultProfilesDir(), runId);
  const progress = createProgressReporter(opts.progress);
  for (const w of warnings) progress.warn(w);

  const kafka = await resolveKafka(validated, opts, progress);
  // Before anything is written: an unreachable cluster or wrong credentials leave no run directory behind.
  try {
    await checkReachable(kafka.connection);
  } catch (err) {
    if (kafka.startedHere && !(opts.keepKafka ?? false)) await stopEmbeddedKafka({ stateDir: opts.stateDir });
    throw err;
  }
  const manifest: Manifest = {
    version: 1,
    runId,
    name: s.name,
    description: s.description ?? null,
    state: "running",
    error: null,
    startedAt: new Date().toISOString(),
    endedAt: null,
    specFile: typeof spec === "string" ? path.resolve(spec) : null,
    sets: opts.sets ?? [],
    quick: !!opts.quick,
    spec: s,
    configurations: configurations.map((c) => ({ id: c.id, label: c.label, params: c.params })),
    kafka: describeConnection(kafka.connection),
    environment: collectEnvironment(kafka.cluster?.kafkaVersion ?? null),
    warnings,
    repetitions: [],
    profiles: [],
    collectorCost: [],
  };
  const store = new ResultsStore(runDir, manifest);
  const control = await ControlServer.listen();
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  // In a notebook, an interrupt (SIGINT to the kernel) stops tslab's synchronous code but not a run's
  // background work: the run itself listens, stops every role and keeps what was measured.
  const onSigint = () => {
    progress.log("interrupted: stopping the run, keeping what was measured");
    abort.abort();
  };
  if (inTslab()) process.on("SIGINT", onSigint);
  let timedOut = false;
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        progress.log(`the run took longer than ${(opts.timeoutMs! / 1000).toFixed(0)} s: stopping it, keeping what was measured`);
        abort.abort();
      }, opts.timeoutMs)
    : null;
  let state: RunState = "completed";
  let runError: string | null = null;
  try {
    const plans = configurations.map(planRepetitions);
    const totalReps = plans.reduce((n, p) => n + p.length, 0);
    let doneReps = 0;
    for (const [ci, config] of configurations.entries()) {
      if (abort.signal.aborted) break;
      const outcome = await runConfiguration({
        config,
        configIndex: ci + 1,
        configCount: configurations.length,
        plans: plans[ci]!,
        runId,
        runDir,
        profilesDir,
        kafka,
        control,
        store,
        progress,
        signal: abort.signal,
        totalReps,
        doneReps: () => doneReps,
        repDone: () => doneReps++,
      });
      if (outcome === "fatal") {
        state = "errored";
        runError = store.manifest.repetitions.at(-1)?.error ?? "a role failed";
        break;
      }
    }
    if (abort.signal.aborted) {
      state = "interrupted";
      if (timedOut) runError = `timed out after ${(opts.timeoutMs! / 1000).toFixed(0)} s`;
    }
    else if (state === "completed" && store.repRows.some((r) => r.state === "errored")) {
      const failed = store.repRows.filter((r) => r.state === "errored");
      runError = `${failed.length} repetition(s) failed; first: ${failed[0]!.configId} rep ${failed[0]!.rep}: ${failed[0]!.error}`;
      state = failed.length === store.repRows.length ? "errored" : "completed";
    }
  } catch (err) {
    state = abort.signal.aborted ? "interrupted" : "errored";
    runError = errorMessage(err);
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onSigint);
    opts.signal?.removeEventListener("abort", onAbort);
    progress.done();
    await control.close();
    store.setState(state, runError);
    writeReportSafely(runDir, progress);
    if (kafka.startedHere && !(opts.keepKafka ?? false)) await stopEmbeddedKafka({ stateDir: opts.stateDir });
  }
  return { runId, runDir, state, error: runError, warnings, configurations, repetitions: store.repRows, summaries: store.summaries() };
}

/** The run's report.html; a report that cannot be built is a warning, never a failed run. */
function writeReportSafely(runDir: string, progress: ProgressReporter): void {
  try {
    writeRunReport(runDir);
  } catch (err) {
    progress.warn(`report.html could not be written: ${errorMessage(err)}`);
  }
}

function validateInput(spec: string | SpecInput | ValidatedSpec, opts: RunOptions): ValidatedSpec {
  if (typeof spec === "string") return loadSpec(spec, { sets: opts.sets, quick: opts.quick });
  if ("configurations" in spec && "baseDir" in spec) return spec as ValidatedSpec;
  let raw = applySets(spec, opts.sets ?? []);
  if (opts.quick) raw = applyQuick(raw);
  return validateSpec(raw, { baseDir: opts.baseDir });
}

interface KafkaTarget {
  connection: KafkaConnection;
  cluster: EmbeddedKafka | null;
  startedHere: boolean;
}

async function resolveKafka(v: ValidatedSpec, opts: RunOptions, progress: ProgressReporter): Promise<KafkaTarget> {
  const k = v.spec.kafka;
  if (opts.connection) return { connection: opts.connection, cluster: opts.connection.kind === "embedded" ? findEmbeddedKafka({ stateDir: opts.stateDir }) : null, startedHere: false };
  if (k.external) return { connection: connectionFromSettings(k.external, "spec", process.env, "kafka.external"), cluster: null, startedHere: false };
  if (k.configFile) return { connection: loadKafkaConfigFile(k.configFile), cluster: null, startedHere: false };
  // No kafka section at all: an external cluster named by env vars wins over the embedded default.
  if (!k.embedded && process.env[KAFKA_ENV.configFile]) return { connection: loadKafkaConfigFile(process.env[KAFKA_ENV.configFile]!), cluster: null, startedHere: false };
  if (!k.embedded && process.env[KAFKA_ENV.bootstrap]) return { connection: connectionFromEnv(), cluster: null, startedHere: false };
  const brokers = k.embedded?.brokers ?? 1;
  const existing = findEmbeddedKafka({ stateDir: opts.stateDir });
  const reuse = existing && existing.state.brokers.length === brokers;
  if (!reuse) progress.log(`starting embedded Kafka (${brokers} broker${brokers > 1 ? "s" : ""}) …`);
  const cluster = await ensureEmbeddedKafka({
    brokers,
    stateDir: opts.stateDir,
    brokerConfig: k.embedded?.brokerConfig,
    owner: process.pid,
    signal: opts.signal,
  });
  return { connection: embeddedConnection(cluster.bootstrap), cluster, startedHere: !reuse };
}

async function checkReachable(conn: KafkaConnection): Promise<void> {
  await withAdmin(conn, (a) => a.describeCluster());
}

/** True if the cluster answers a metadata request within `timeoutMs`. */
async function reachableWithin(conn: KafkaConnection, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([checkReachable(conn).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type ConfigOutcome = "ok" | "fatal";

async function runConfiguration(c: {
  config: Configuration;
  configIndex: number;
  configCount: number;
  plans: RepPlan[];
  runId: string;
  runDir: string;
  profilesDir: string;
  kafka: KafkaTarget;
  control: ControlServer;
  store: ResultsStore;
  progress: ProgressReporter;
  signal: AbortSignal;
  totalReps: number;
  doneReps: () => number;
  repDone: () => void;
}): Promise<ConfigOutcome> {
  const { config, store, progress } = c;
  const spec = config.spec;
  const child = connectionForChild(c.kafka.connection);
  const roleConfigs = buildRoleConfigs(c.config, c.runId, c.runDir, c.control.socketPath, child.settings);
  const resultsByRep: RoleRepResult[][] = [];
  let coldResults: RoleRepResult[] | null = null;
  let roles: RoleSet | null = null;
  let rolesFlame = false;
  let flamePlan: RepPlan | null = null;
  const expected = spec.workload.messages ? spec.workload.messages * spec.producers.count : null;
  try {
    for (const plan of c.plans) {
      if (c.signal.aborted) break;
      const wantFlame = plan.kind === "flamegraph";
      if (roles && (rolesFlame !== wantFlame || roles.changed || roles.unexpectedExits().length > 0)) {
        await closeRoles(roles, rolesFlame);
        roles = null;
      }
      if (!roles) {
        if (wantFlame) {
          fs.mkdirSync(c.profilesDir, { recursive: true });
          flamePlan = plan;
        }
        try {
          roles = await RoleSet.spawn({
            control: c.control,
            configs: roleConfigs,
            configDir: path.join(c.runDir, "raw", config.id, "roles"),
            logsDir: path.join(c.runDir, "logs"),
            env: child.env,
            launcher: wantFlame ? zeroXLauncher(c.profilesDir, plan.profileRoles, plan.number) : undefined,
            helloTimeoutMs: spec.timeouts.readyMs,
          });
        } catch (err) {
          // The roles did not start (a crashing module, a failing 0x): this repetition failed; keep going.
          recordFailedRep(c, plan, err);
          if (err instanceof RoleFailure && err.fatalInput) return "fatal";
          continue;
        }
        rolesFlame = wantFlame;
      }
      const current = roles;
      let stage = "preparing";
      let lastAcked = 0;
      let lastTick = Date.now();
      let rate = 0;
      const emit = () => {
        const acked = current.producers.reduce((s, r) => s + r.progress.acked, 0);
        const now = Date.now();
        if (now - lastTick >= 1000) {
          rate = ((acked - lastAcked) * 1000) / (now - lastTick);
          lastAcked = acked;
          lastTick = now;
        }
        progress.update({
          configIndex: c.configIndex,
          configCount: c.configCount,
          configLabel: config.label,
          rep: plan.number,
          repCount: c.plans.length,
          repKind: plan.kind,
          stage,
          acked,
          expected,
          consumed: current.consumers.reduce((s, r) => s + r.progress.consumed, 0),
          rateMsgsPerSec: rate,
          doneReps: c.doneReps(),
          totalReps: c.totalReps,
        });
      };
      const ticker = setInterval(emit, 250);
      const outcome = await runRepetition(
        { runId: c.runId, runDir: c.runDir, profilesDir: c.profilesDir, connection: c.kafka.connection, cluster: c.kafka.cluster, config, roles: current, signal: c.signal, onStage: (s) => ((stage = s), emit()) },
        plan,
      ).finally(() => clearInterval(ticker));
      c.repDone();
      const row = repRow({ configId: config.id, label: config.label, rep: plan.number, kind: plan.kind, state: outcome.state, error: outcome.error?.message ?? null, runMs: outcome.runMs, results: outcome.results });
      store.addRepetition(
        { configId: config.id, rep: plan.number, kind: plan.kind, state: outcome.state, error: outcome.error?.message ?? null, topic: outcome.topic, startedAt: outcome.startedAt, durationMs: Math.round(outcome.durationMs), faults: outcome.faults },
        row,
        seriesRows(config.id, plan.number, outcome.results),
      );
      for (const r of outcome.results) {
        if (r.profile) store.manifest.profiles.push({ configId: config.id, rep: plan.number, kind: plan.kind, roleId: r.roleId, files: r.profile.files, errors: r.profile.errors });
      }
      if (plan.kind === "measured" && outcome.state === "completed" && plan.number !== 1) {
        resultsByRep.push(outcome.results);
        store.setPooledHistograms(config.id, pooledHistograms(resultsByRep));
      } else if (plan.number === 1 && outcome.state === "completed") {
        coldResults = outcome.results;
      }
      store.writeManifest();
      progress.log(repLine(c.configIndex, c.configCount, config.label, plan, row));
      if (outcome.error instanceof RoleFailure && outcome.error.fatalInput) return "fatal";
      // Kafka gone (a cluster stopped from outside, a dropped network): end the run now rather than fail
      // every remaining repetition slowly, one client timeout after another.
      if (outcome.state === "errored" && !c.signal.aborted && !(await reachableWithin(c.kafka.connection, 15_000))) {
        progress.warn(`Kafka at ${c.kafka.connection.bootstrap.join(",")} is no longer reachable: ending the run, keeping what was measured`);
        return "fatal";
      }
    }
    // Without a completed warm repetition, pool the cold one so latency figures exist at all.
    if (resultsByRep.length === 0 && coldResults) store.setPooledHistograms(config.id, pooledHistograms([coldResults]));
    return "ok";
  } finally {
    if (roles) await closeRoles(roles, rolesFlame);
    if (flamePlan) recordFlamegraphs(c, flamePlan, roleConfigs);
    recordCollectorCost(store, config.id);
    // Topics go only after the roles are gone: kafkajs keeps refreshing metadata of every topic it has
    // used, and a deleted one makes those refreshes fail for the next repetition's topic too.
    const topics = store.manifest.repetitions.filter((r) => r.configId === config.id).map((r) => r.topic);
    if (!spec.topic.keep && topics.length) await deleteTopics(c.kafka.connection, topics).catch((err) => progress.warn(`could not delete topics of ${config.id}: ${errorMessage(err)}`));
  }
}

/** 0x writes its flamegraph after the profiled role exits: give it time (its logs can be large). */
async function closeRoles(roles: RoleSet, underZeroX: boolean): Promise<void> {
  await roles.close(underZeroX ? 180_000 : 15_000);
}

function recordFlamegraphs(c: { profilesDir: string; store: ResultsStore; config: Configuration }, plan: RepPlan, roles: RoleConfig[]): void {
  fs.rmSync(path.join(c.profilesDir, ".0x-work"), { recursive: true, force: true });
  for (const r of roles.filter((x) => plan.profileRoles.includes(x.kind))) {
    const { file, error } = checkFlamegraph(c.profilesDir, r.roleId, c.config.id, plan.number);
    c.store.manifest.profiles.push({ configId: c.config.id, rep: plan.number, kind: "flamegraph", roleId: r.roleId, files: file ? { flamegraph: file } : {}, errors: error ? [error] : [] });
  }
  c.store.writeManifest();
}

/**
 * What each collector cost: throughput of the profiling repetitions against the warm measured mean of
 * the same configuration, so a report can say how much profiling changed what it looked at.
 */
function recordCollectorCost(store: ResultsStore, configId: string): void {
  const rows = store.repRows.filter((r) => r.configId === configId);
  const warm = rows.filter((r) => r.kind === "measured" && r.state === "completed" && !r.cold);
  const mean = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const base = { produce: mean(warm.map((r) => r.produceThroughputMsgsPerSec)), consume: mean(warm.map((r) => r.consumeThroughputMsgsPerSec)) };
  for (const r of rows.filter((x) => x.kind === "profile" || x.kind === "calls" || x.kind === "flamegraph")) {
    const spec = store.manifest.spec as { profile: { cpu: boolean; heap: boolean } };
    const collector = r.kind === "profile" ? [spec.profile.cpu ? "cpu" : null, spec.profile.heap ? "heap" : null].filter(Boolean).join("+") : r.kind === "calls" ? "calls (precise coverage)" : "flamegraph (0x)";
    store.manifest.collectorCost.push({
      configId,
      rep: r.rep,
      collector,
      produceMsgsPerSec: r.produceThroughputMsgsPerSec,
      consumeMsgsPerSec: r.consumeThroughputMsgsPerSec,
      warmProduceMsgsPerSec: base.produce,
      warmConsumeMsgsPerSec: base.consume,
      produceRatio: base.produce && r.produceThroughputMsgsPerSec !== null ? r.produceThroughputMsgsPerSec / base.produce : null,
      consumeRatio: base.consume && r.consumeThroughputMsgsPerSec !== null ? r.consumeThroughputMsgsPerSec / base.consume : null,
    });
  }
  store.writeManifest();
}

function recordFailedRep(c: { config: Configuration; store: ResultsStore; progress: ProgressReporter; configIndex: number; configCount: number; repDone: () => void }, plan: RepPlan, err: unknown): void {
  c.repDone();
  const message = errorMessage(err);
  const row = repRow({ configId: c.config.id, label: c.config.label, rep: plan.number, kind: plan.kind, state: "errored", error: message, runMs: null, results: [] });
  c.store.addRepetition({ configId: c.config.id, rep: plan.number, kind: plan.kind, state: "errored", error: message, topic: "", startedAt: new Date().toISOString(), durationMs: 0, faults: [] }, row, []);
  c.progress.log(repLine(c.configIndex, c.configCount, c.config.label, plan, row));
}

function repLine(ci: number, cn: number, label: string, plan: RepPlan, row: RepRow): string {
  const loop = row.producerLoopMs !== null ? `producer loop ${row.producerLoopMs.toFixed(1)} ms` : "no producer loop";
  const thr = row.produceThroughputMsgsPerSec !== null ? `${Math.round(row.produceThroughputMsgsPerSec).toLocaleString("en-US")} msg/s` : "";
  const acc = `acked ${row.acked}/${row.produced}, consumed ${row.consumed}, dup ${row.duplicates}, lost ${row.lost}`;
  const state = row.state === "completed" ? "" : ` — ${row.state.toUpperCase()}${row.error ? `: ${row.error}` : ""}`;
  return `[${ci}/${cn}] ${label} · rep ${plan.number} (${plan.kind}${row.cold ? ", cold" : ""}): ${loop}${thr ? `, ${thr}` : ""} · ${acc}${state}`;
}

function buildRoleConfigs(c: Configuration, runId: string, runDir: string, socket: string, connection: RoleConfig["connection"]): RoleConfig[] {
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
  const common = (kind: "producer" | "consumer", index: number) => ({
    roleId: `${kind}-${index}`,
    kind,
    index,
    runId,
    configId: c.id,
    controlSocket: socket,
    connection,
    workload,
    recordRaw: s.record.rawSamples,
    workDir: path.join(runDir, "work", c.id, `${kind}-${index}`),
    seriesIntervalMs: s.record.intervalMs,
    kafkajsLogFile: path.join(runDir, "logs", `${c.id}-${kind}-${index}.kafkajs.log`),
  });
  const producers: RoleConfig[] = Array.from({ length: s.producers.count }, (_, i) => ({
    ...common("producer", i),
    producer: {
      acks: s.producers.acks,
      compression: s.producers.compression as Compression, // zstd is refused by validation
      idempotent: s.producers.idempotent,
      maxInFlightRequests: s.producers.maxInFlightRequests ?? null,
      batchSize: s.producers.batchSize,
      batchBytes: s.producers.batchBytes,
      lingerMs: s.producers.lingerMs,
      maxBufferedMessages: s.producers.maxBufferedMessages ?? null,
      idCarrier: s.producers.idCarrier,
      source: s.producers.source ?? null,
      script: s.producers.script ?? null,
    },
    consumer: null,
  }));
  const consumers: RoleConfig[] = Array.from({ length: s.consumers.count }, (_, i) => ({
    ...common("consumer", i),
    producer: null,
    consumer: {
      mode: s.consumers.mode,
      processing: s.consumers.processing,
      handler: s.consumers.handler ?? null,
      script: s.consumers.script ?? null,
      commit: s.consumers.commit,
      flushIntervalMs: s.consumers.flushIntervalMs,
      autoCommitIntervalMs: s.consumers.autoCommitIntervalMs,
      onError: s.consumers.onError,
    },
  }));
  return [...consumers, ...producers];
}
