import path from "node:path";
import { errorMessage } from "../errors";
import type { KafkaConnection } from "../kafka";
import { clientIssues } from "../clients";
import { profilesDir as defaultProfilesDir, reportsDir as defaultReportsDir } from "../paths";
import { RunLayout } from "../results/files";
import type { ConfigurationRecord, Manifest, RunState } from "../results/model";
import { summarize, type RepRow, type SummaryRow } from "../results/rows";
import { ControlServer } from "../roles/control";
import { applyQuick, applySets, loadSpec, SpecError, validateSpec, type Configuration, type SpecInput, type ValidatedSpec } from "../spec";
import { EventBus } from "../util/events";
import { ConfigurationRun } from "./configuration";
import { collectEnvironment } from "./environment";
import type { RunEvents } from "./events";
import { newRunId, planRepetitions } from "./plan";
import { recordResults } from "./record";
import { resolveBroker, type Broker } from "./broker";

export interface EngineOptions {
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
  /** Aborting stops every role, keeps what was measured and marks the run "interrupted". */
  signal?: AbortSignal;
  /** Give up after this long (ms): the run ends "interrupted" with what it measured (notebook cells use it). */
  timeoutMs?: number;
  /** Embedded cluster state folder (default: the workspace's). */
  stateDir?: string;
  /** Leave an embedded cluster this run started running afterwards (default: no). */
  keepKafka?: boolean;
  /** Treat SIGINT to this process as an interrupt of the run (a notebook kernel's interrupt). */
  interruptOnSigint?: boolean;
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

/**
 * One experiment run, as an event source (events.ts). The constructor validates the spec (a bad spec
 * throws before anything happens); execute() resolves Kafka, checks it answers — before anything is
 * written — and runs every configuration; it never hangs (every wait has a timeout) and always ends with
 * run:end and a run directory that holds everything measured, also when it failed or was interrupted.
 */
export class ExperimentRun {
  readonly events = new EventBus<RunEvents>();
  readonly validated: ValidatedSpec;
  readonly runId: string;
  readonly runDir: string;
  readonly profilesDir: string;
  private readonly abort = new AbortController();
  private readonly rows: RepRow[] = [];
  private timedOut = false;
  /** The results writer is the first subscriber, so on every event the files are written before others read them. */
  private readonly recording = recordResults(this.events);

  constructor(
    spec: string | SpecInput | ValidatedSpec,
    private readonly opts: EngineOptions = {},
  ) {
    this.validated = validateInput(spec, opts);
    this.runId = newRunId(this.validated.spec.name);
    this.runDir = path.join(opts.reportsDir ?? defaultReportsDir(), this.runId);
    this.profilesDir = path.join(opts.profilesDir ?? defaultProfilesDir(), this.runId);
  }

  async execute(): Promise<RunResult> {
    for (const w of this.validated.warnings) this.events.emit("warning", { message: w });
    const broker = await this.connect();
    const control = await ControlServer.listen();
    const releaseSignals = this.watchInterrupts();
    const configurations = this.validated.configurations;
    this.events.emit("run:start", { manifest: this.manifest(broker), runDir: this.runDir, profilesDir: this.profilesDir, totalReps: configurations.reduce((n, c) => n + planRepetitions(c).length, 0), cluster: broker.cluster });
    let state: RunState = "completed";
    let error: string | null = null;
    try {
      ({ state, error } = await this.runConfigurations(broker, control));
    } catch (err) {
      state = this.abort.signal.aborted ? "interrupted" : "errored";
      error = errorMessage(err);
    } finally {
      releaseSignals();
      await control.close();
      this.events.emit("run:end", { state, error, repetitions: this.rows, summaries: summarize(this.rows), configurations: configurations.map(configurationRecord) });
      this.recording.detach();
      await broker.close(this.opts.keepKafka ?? false);
    }
    return { runId: this.runId, runDir: this.runDir, state, error, warnings: this.validated.warnings, configurations, repetitions: this.rows, summaries: summarize(this.rows) };
  }

  /** Resolve the broker and check it answers: an unreachable broker or wrong credentials leave no run directory. */
  private async connect(): Promise<Broker> {
    const broker = await resolveBroker(this.validated, { connection: this.opts.connection, stateDir: this.opts.stateDir, signal: this.opts.signal, log: (message) => this.events.emit("log", { message }) });
    try {
      await broker.checkReachable();
    } catch (err) {
      await broker.close(this.opts.keepKafka ?? false);
      throw err;
    }
    return broker;
  }

  private async runConfigurations(broker: Broker, control: ControlServer): Promise<{ state: RunState; error: string | null }> {
    const configurations = this.validated.configurations;
    const plans = configurations.map(planRepetitions);
    const done = { reps: 0 };
    const totalReps = plans.reduce((n, p) => n + p.length, 0);
    for (const [i, config] of configurations.entries()) {
      if (this.abort.signal.aborted) break;
      const run = new ConfigurationRun(config, plans[i]!, {
        runId: this.runId,
        layout: new RunLayout(this.runDir),
        profilesDir: this.profilesDir,
        broker,
        control,
        events: this.events,
        signal: this.abort.signal,
        configIndex: i + 1,
        configCount: configurations.length,
        totalReps,
        done,
      });
      const outcome = await run.run().finally(() => this.rows.push(...run.rows));
      if (outcome === "fatal") return { state: "errored", error: this.rows.at(-1)?.error ?? "a role failed" };
    }
    return this.finalState();
  }

  /** Interrupted, or completed with failed repetitions, or errored when every repetition failed. */
  private finalState(): { state: RunState; error: string | null } {
    if (this.abort.signal.aborted) return { state: "interrupted", error: this.timedOut ? `timed out after ${(this.opts.timeoutMs! / 1000).toFixed(0)} s` : null };
    const failed = this.rows.filter((r) => r.state === "errored");
    if (failed.length === 0) return { state: "completed", error: null };
    const error = `${failed.length} repetition(s) failed; first: ${failed[0]!.configId} rep ${failed[0]!.rep}: ${failed[0]!.error}`;
    return { state: failed.length === this.rows.length ? "errored" : "completed", error };
  }

  /** The caller's signal, a time limit and (in a notebook kernel) SIGINT all stop the run, keeping what was measured. */
  private watchInterrupts(): () => void {
    const onAbort = () => this.abort.abort();
    this.opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (this.opts.signal?.aborted) this.abort.abort();
    const onSigint = () => {
      this.events.emit("log", { message: "interrupted: stopping the run, keeping what was measured" });
      this.abort.abort();
    };
    if (this.opts.interruptOnSigint) process.on("SIGINT", onSigint);
    const limit = this.opts.timeoutMs;
    const timer = limit
      ? setTimeout(() => {
          this.timedOut = true;
          this.events.emit("log", { message: `the run took longer than ${(limit / 1000).toFixed(0)} s: stopping it, keeping what was measured` });
          this.abort.abort();
        }, limit)
      : null;
    return () => {
      if (timer) clearTimeout(timer);
      process.off("SIGINT", onSigint);
      this.opts.signal?.removeEventListener("abort", onAbort);
    };
  }

  private manifest(broker: Broker): Manifest {
    const s = this.validated.spec;
    return {
      version: 2,
      runId: this.runId,
      name: s.name,
      description: s.description ?? null,
      state: "running",
      error: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      specFile: this.validated.file,
      sets: this.opts.sets ?? [],
      quick: !!this.opts.quick,
      spec: s,
      configurations: this.validated.configurations.map(configurationRecord),
      ...broker.manifest(),
      environment: collectEnvironment(broker.cluster?.kafkaVersion ?? null, broker.kind),
      warnings: [...this.validated.warnings],
      repetitions: [],
      profiles: [],
      collectorCost: [],
    };
  }
}

function configurationRecord(c: Configuration): ConfigurationRecord {
  return { id: c.id, label: c.label, params: c.params, idCarrier: c.spec.producers.idCarrier!, clients: { producers: c.spec.producers.script ? "script" : c.spec.producers.client, consumers: c.spec.consumers.script ? "script" : c.spec.consumers.client } };
}

function validateInput(spec: string | SpecInput | ValidatedSpec, opts: EngineOptions): ValidatedSpec {
  const v = parseInput(spec, opts);
  // What the chosen clients cannot do, per configuration (a matrix over clients may make one of them wrong).
  const issues = v.configurations.flatMap((c) => clientIssues(c.spec).map((i) => (v.configurations.length > 1 ? { ...i, message: `${i.message} in configuration ${c.label}` } : i)));
  if (issues.length) throw new SpecError([...new Map(issues.map((i) => [`${i.path}: ${i.message}`, i])).values()], v.file);
  return v;
}

function parseInput(spec: string | SpecInput | ValidatedSpec, opts: EngineOptions): ValidatedSpec {
  if (typeof spec === "string") return loadSpec(spec, { sets: opts.sets, quick: opts.quick });
  if ("configurations" in spec && "baseDir" in spec) return spec as ValidatedSpec;
  let raw = applySets(spec, opts.sets ?? []);
  if (opts.quick) raw = applyQuick(raw);
  return validateSpec(raw, { baseDir: opts.baseDir });
}
