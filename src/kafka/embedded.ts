import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { ClusterError, InputError, PerfLabError } from "../errors";
import { stateDir as defaultStateDir } from "../paths";
import { isAlive, sendSignal, tailFile, terminate, waitFor } from "../util/process";
import { nodeEntryArgs } from "../util/node-entry";
import { allPorts, brokerPorts, brokerProperties, newClusterId, scramFormatArgs, type BrokerPorts } from "./broker-config";
import {
  brokerAlive,
  clusterOwners,
  clusterPaths,
  readClusterState,
  withClusterLock,
  writeClusterState,
  type BrokerState,
  type ClusterPaths,
  type ClusterState,
} from "./cluster-state";
import { findJava } from "./java";
import { ensureKafkaJars, kafkaVersion } from "./jars";
import { registeredBrokerIds } from "./probe";

export const DEFAULT_BASE_PORT = 19092;
export const MAX_BROKERS = 3;

export interface StartEmbeddedKafkaOptions {
  /** Number of combined broker+controller nodes, 1..3 (default 1). */
  brokers?: number;
  /** First client port (default 19092); "auto" picks free ports. Controllers use base+100.., internal base+200... */
  basePort?: number | "auto";
  host?: string;
  /** JVM heap per broker in MiB (default 512: three brokers fit beside the clients on a 2-core, small machine). */
  heapMb?: number;
  /** Folder for cluster state; default `.perflab/` of the workspace (PERFLAB_STATE_DIR overrides). */
  stateDir?: string;
  /** Pid whose exit takes the cluster down (a watchdog process enforces it). Null: lives until `down`. */
  owner?: number | null;
  /** How long to wait for every broker to be registered in the metadata (default 90 s). */
  readyTimeoutMs?: number;
  /** SASL users (name → password) for the client listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  saslUsers?: Record<string, string>;
  /** Extra broker settings, applied to every broker. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Aborting (e.g. on Ctrl-C) stops what was started and removes it. */
  signal?: AbortSignal;
  /** Progress lines ("formatting storage", "waiting for metadata 2/3"). */
  log?: (line: string) => void;
}

export type BrokerRunState = "up" | "down" | "paused";

export interface BrokerStatus {
  id: number;
  host: string;
  port: number;
  controllerPort: number;
  pid: number | null;
  state: BrokerRunState;
  /** Registered in the cluster metadata (only when probed). */
  registered?: boolean;
  logFile: string;
}

export interface ClusterStatus {
  up: boolean;
  stateDir: string;
  clusterId: string | null;
  kafkaVersion: string | null;
  bootstrap: string[];
  saslMechanisms: string[];
  ownerPid: number | null;
  brokers: BrokerStatus[];
}

/** Checks the broker count argument: an integer from 1 to 3. `field` names the option in the error. */
export function validateBrokerCount(value: unknown, field = "brokers"): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new InputError("BAD_BROKER_COUNT", `${field} must be a whole number from 1 to ${MAX_BROKERS} (got ${JSON.stringify(value)})`, { field });
  }
  if (n < 1 || n > MAX_BROKERS) {
    throw new InputError("BAD_BROKER_COUNT", `${field} must be from 1 to ${MAX_BROKERS} (got ${n})`, { field });
  }
  return n;
}

/** Handle on an embedded cluster's state folder. All methods re-read the state, so several processes can share it. */
export class EmbeddedKafka {
  readonly paths: ClusterPaths;

  constructor(stateDir: string = defaultStateDir()) {
    this.paths = clusterPaths(stateDir);
  }

  /** Current state; throws CLUSTER_NOT_UP if there is none. */
  get state(): ClusterState {
    const s = readClusterState(this.paths);
    if (!s) throw new ClusterError("CLUSTER_NOT_UP", `no embedded Kafka cluster is up (state folder ${this.paths.stateDir}); start one with \`perflab kafka up\``);
    return s;
  }

  /** Client bootstrap list, e.g. ["127.0.0.1:19092", …]. */
  get bootstrap(): string[] {
    return bootstrapOf(this.state);
  }

  get kafkaVersion(): string {
    return this.state.kafkaVersion;
  }

  status(opts: { probe?: boolean } = {}): Promise<ClusterStatus> {
    return embeddedKafkaStatus({ stateDir: this.paths.stateDir, probe: opts.probe });
  }

  /** Stop one broker: SIGTERM (controlled shutdown, default) or SIGKILL (`hard`), keeping its data. */
  stopBroker(id: number, opts: { hard?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return stopBroker(id, { ...opts, stateDir: this.paths.stateDir });
  }

  /** Restart a stopped broker with its data and wait until it is registered again. */
  startBroker(id: number, opts: { readyTimeoutMs?: number } = {}): Promise<void> {
    return startBroker(id, { ...opts, stateDir: this.paths.stateDir });
  }

  /** Freeze a broker with SIGSTOP (a hung broker, not a dead one). */
  pauseBroker(id: number): Promise<void> {
    return signalBroker(this.paths, id, "pause");
  }

  resumeBroker(id: number): Promise<void> {
    return signalBroker(this.paths, id, "resume");
  }

  /** Stop every broker and remove the cluster's data. */
  stop(): Promise<{ stopped: number }> {
    return stopEmbeddedKafka({ stateDir: this.paths.stateDir });
  }
}

function bootstrapOf(s: ClusterState): string[] {
  return s.brokers.map((b) => `${b.host}:${b.port}`);
}

/** Attach to the cluster in `stateDir` if one is up (every broker process known), else null. */
export function findEmbeddedKafka(opts: { stateDir?: string } = {}): EmbeddedKafka | null {
  const k = new EmbeddedKafka(opts.stateDir);
  const s = readClusterState(k.paths);
  if (!s || !s.brokers.some(brokerAlive)) return null;
  return k;
}

/**
 * Start an embedded KRaft cluster of 1–3 combined broker+controller nodes and wait until the metadata
 * shows every broker. Fails with CLUSTER_ALREADY_UP if one is up in the same state folder. On any
 * failure or abort, everything it started is stopped and removed before the error is thrown.
 */
export async function startEmbeddedKafka(opts: StartEmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
  const count = validateBrokerCount(opts.brokers ?? 1);
  const host = opts.host ?? "127.0.0.1";
  const heapMb = opts.heapMb ?? 512;
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  const log = opts.log ?? (() => undefined);
  const withInternal = !!opts.saslUsers && Object.keys(opts.saslUsers).length > 0;

  return withClusterLock(paths, async () => {
    const existing = readClusterState(paths);
    if (existing) {
      if (existing.brokers.some(brokerAlive)) {
        throw new ClusterError(
          "CLUSTER_ALREADY_UP",
          `an embedded Kafka cluster is already up (${bootstrapOf(existing).join(",")}); use it, or run \`perflab kafka down\` first`,
          { exitCode: 2 },
        );
      }
      // Leftovers of a cluster whose processes are all gone (machine restart, kill -9): clear them.
      fs.rmSync(paths.root, { recursive: true, force: true });
    }
    const java = findJava();
    const jarsDir = await ensureKafkaJars({ log });
    const version = kafkaVersion(jarsDir) ?? "unknown";
    const basePort = opts.basePort === "auto" ? await findFreeBase(count, host, withInternal) : (opts.basePort ?? DEFAULT_BASE_PORT);
    const ports = brokerPorts(count, basePort, withInternal);
    await assertPortsFree(ports, host);

    fs.mkdirSync(paths.root, { recursive: true });
    fs.mkdirSync(paths.logsDir, { recursive: true });
    const log4jFile = writeLog4jConfig(paths);
    const state: ClusterState = {
      version: 1,
      clusterId: newClusterId(crypto.randomBytes),
      kafkaVersion: version,
      jarsDir,
      javaCommand: java.command,
      heapMb,
      createdAt: new Date().toISOString(),
      ownerPid: opts.owner ?? null,
      watchdogPid: null,
      saslMechanisms: withInternal ? ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] : [],
      brokers: ports.map((p) => brokerStateFor(paths, p, host)),
    };
    for (const b of state.brokers) {
      fs.mkdirSync(b.dir, { recursive: true });
      const props = brokerProperties({
        self: ports.find((p) => p.id === b.id)!,
        all: ports,
        host,
        dataDir: path.join(b.dir, "data"),
        saslUsers: opts.saslUsers,
        overrides: opts.brokerConfig,
      });
      fs.writeFileSync(b.propsFile, props, { mode: 0o600 });
    }
    writeClusterState(paths, state);

    try {
      opts.signal?.throwIfAborted();
      log(`formatting storage of ${count} broker${count > 1 ? "s" : ""} (Kafka ${version}, KRaft) …`);
      await Promise.all(state.brokers.map((b) => formatStorage(state, b, log4jFile, scramFormatArgs(opts.saslUsers), opts.signal)));
      opts.signal?.throwIfAborted();
      log(`starting ${count} broker${count > 1 ? "s" : ""} on ${host} (client ports ${ports.map((p) => p.port).join(", ")}) …`);
      for (const b of state.brokers) {
        b.pid = spawnBroker(state, b, log4jFile);
        writeClusterState(paths, state);
      }
      if (state.ownerPid !== null) {
        state.watchdogPid = spawnWatchdog(paths.stateDir, state.ownerPid);
        writeClusterState(paths, state);
      }
      await waitRegistered(state, state.brokers.map((b) => b.id), {
        timeoutMs: opts.readyTimeoutMs ?? 90_000,
        signal: opts.signal,
        log,
      });
      return new EmbeddedKafka(paths.stateDir);
    } catch (err) {
      await teardown(paths, readClusterState(paths) ?? state);
      if (opts.signal?.aborted) throw new PerfLabError("INTERRUPTED", "interrupted: the brokers that were starting are stopped and removed", { exitCode: 130 });
      throw err;
    }
  });
}

/**
 * Reuse the embedded cluster if one is up (and has at least `brokers` brokers), else start one.
 * The notebook and test entry point: rerunning a cell does not start a second cluster.
 */
export async function ensureEmbeddedKafka(opts: StartEmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
  const want = validateBrokerCount(opts.brokers ?? 1);
  const found = findEmbeddedKafka({ stateDir: opts.stateDir });
  if (found && !(await adoptOwnedCluster(found.paths, opts.owner ?? null))) {
    // Its owners are gone: the watchdog is taking it down. Finish that, then start afresh.
    opts.log?.("the running cluster's owner has exited: starting a new one");
    await stopEmbeddedKafka({ stateDir: opts.stateDir });
  } else if (found) {
    const have = found.state.brokers.length;
    if (have === want) {
      for (const b of found.state.brokers) if (!brokerAlive(b)) await found.startBroker(b.id);
      return found;
    }
    opts.log?.(`the running cluster has ${have} broker(s), ${want} wanted: restarting it`);
    await found.stop();
  }
  return startEmbeddedKafka(opts);
}

/**
 * Reusing a cluster another process owns: join its owners, so it stays up while this process lives (the
 * first owner may exit first). False when every owner is already gone (the watchdog is tearing it down).
 */
async function adoptOwnedCluster(paths: ClusterPaths, owner: number | null): Promise<boolean> {
  return withClusterLock(paths, async () => {
    const state = readClusterState(paths);
    if (!state || state.ownerPid === null) return true;
    if (!clusterOwners(state).some(isAlive)) return false;
    if (owner !== null && !clusterOwners(state).includes(owner)) {
      state.coOwnerPids = [...(state.coOwnerPids ?? []).filter(isAlive), owner];
      writeClusterState(paths, state);
    }
    return true;
  });
}

/** `perflab kafka down`: stop every broker and the watchdog, remove data. Returns how many brokers were running. */
export async function stopEmbeddedKafka(opts: { stateDir?: string } = {}): Promise<{ stopped: number }> {
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  return withClusterLock(paths, async () => {
    const state = readClusterState(paths);
    if (!state) return { stopped: 0 };
    const running = state.brokers.filter(brokerAlive).length;
    await teardown(paths, state);
    return { stopped: running };
  });
}

export async function embeddedKafkaStatus(opts: { stateDir?: string; probe?: boolean } = {}): Promise<ClusterStatus> {
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  const state = readClusterState(paths);
  if (!state) {
    return { up: false, stateDir: paths.stateDir, clusterId: null, kafkaVersion: null, bootstrap: [], saslMechanisms: [], ownerPid: null, brokers: [] };
  }
  const brokers: BrokerStatus[] = state.brokers.map((b) => {
    const alive = brokerAlive(b);
    return {
      id: b.id,
      host: b.host,
      port: b.port,
      controllerPort: b.controllerPort,
      pid: alive ? b.pid : null,
      state: !alive ? "down" : b.paused ? "paused" : "up",
      logFile: b.logFile,
    };
  });
  if (opts.probe && brokers.some((b) => b.state === "up")) {
    const ids = await registeredBrokerIds(probeBootstrap(state), { timeoutMs: 3000 });
    for (const b of brokers) b.registered = ids?.includes(b.id) ?? false;
  }
  return {
    up: brokers.some((b) => b.state !== "down"),
    stateDir: paths.stateDir,
    clusterId: state.clusterId,
    kafkaVersion: state.kafkaVersion,
    bootstrap: bootstrapOf(state),
    saslMechanisms: state.saslMechanisms,
    ownerPid: state.ownerPid,
    brokers,
  };
}

export async function stopBroker(id: number, opts: { stateDir?: string; hard?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  await withClusterLock(paths, async () => {
    const state = requireState(paths);
    const b = requireBroker(state, id);
    if (!brokerAlive(b)) throw new ClusterError("BROKER_NOT_RUNNING", `broker ${id} is not running`, { exitCode: 2 });
    if (b.paused) sendSignal(b.pid!, "SIGCONT"); // a stopped process cannot run its shutdown hook
    const gone = await terminate(b.pid!, { signal: opts.hard ? "SIGKILL" : "SIGTERM", timeoutMs: opts.timeoutMs ?? 30_000 });
    if (!gone) throw new ClusterError("BROKER_STOP_FAILED", `broker ${id} (pid ${b.pid}) did not exit`);
    b.pid = null;
    b.paused = false;
    writeClusterState(paths, state);
  });
}

export async function startBroker(id: number, opts: { stateDir?: string; readyTimeoutMs?: number } = {}): Promise<void> {
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  await withClusterLock(paths, async () => {
    const state = requireState(paths);
    const b = requireBroker(state, id);
    if (brokerAlive(b)) throw new ClusterError("BROKER_RUNNING", `broker ${id} is already running (pid ${b.pid})`, { exitCode: 2 });
    await assertPortsFree([{ id: b.id, port: b.port, controllerPort: b.controllerPort, internalPort: b.internalPort }], b.host);
    b.pid = spawnBroker(state, b, path.join(paths.root, "log4j2.yaml"));
    b.paused = false;
    writeClusterState(paths, state);
    await waitRegistered(state, [id], { timeoutMs: opts.readyTimeoutMs ?? 60_000 });
  });
}

async function signalBroker(paths: ClusterPaths, id: number, what: "pause" | "resume"): Promise<void> {
  await withClusterLock(paths, async () => {
    const state = requireState(paths);
    const b = requireBroker(state, id);
    if (!brokerAlive(b)) throw new ClusterError("BROKER_NOT_RUNNING", `broker ${id} is not running`, { exitCode: 2 });
    sendSignal(b.pid!, what === "pause" ? "SIGSTOP" : "SIGCONT");
    b.paused = what === "pause";
    writeClusterState(paths, state);
  });
}

function requireState(paths: ClusterPaths): ClusterState {
  const s = readClusterState(paths);
  if (!s) throw new ClusterError("CLUSTER_NOT_UP", `no embedded Kafka cluster is up (state folder ${paths.stateDir}); start one with \`perflab kafka up\``, { exitCode: 2 });
  return s;
}

function requireBroker(state: ClusterState, id: number): BrokerState {
  const b = state.brokers.find((x) => x.id === id);
  if (!b) {
    throw new ClusterError("BROKER_NOT_FOUND", `no broker ${id}: this cluster has broker ids ${state.brokers.map((x) => x.id).join(", ")}`, { exitCode: 2 });
  }
  return b;
}

function brokerStateFor(paths: ClusterPaths, p: BrokerPorts, host: string): BrokerState {
  const dir = path.join(paths.root, `broker-${p.id}`);
  return {
    id: p.id,
    host,
    port: p.port,
    controllerPort: p.controllerPort,
    internalPort: p.internalPort,
    dir,
    propsFile: path.join(dir, "server.properties"),
    logFile: path.join(paths.logsDir, `broker-${p.id}.log`),
    stdoutFile: path.join(paths.logsDir, `broker-${p.id}.out`),
    pid: null,
    paused: false,
  };
}

/** Listeners a probe can use without credentials: the internal PLAINTEXT ones when the client listener has SASL. */
function probeBootstrap(state: ClusterState): string[] {
  return state.brokers.map((b) => `${b.host}:${b.internalPort ?? b.port}`);
}

function writeLog4jConfig(paths: ClusterPaths): string {
  // Each broker passes its own file through the perflab.logFile system property.
  const file = path.join(paths.root, "log4j2.yaml");
  fs.writeFileSync(
    file,
    [
      "Configuration:",
      "  Appenders:",
      "    File:",
      "      name: file",
      "      fileName: ${sys:perflab.logFile}",
      "      append: true",
      "      PatternLayout:",
      '        pattern: "[%d] %p %m (%c)%n"',
      "  Loggers:",
      "    Root:",
      "      level: INFO",
      "      AppenderRef:",
      "        - ref: file",
      "    Logger:",
      "      - name: kafka.request.logger",
      "        level: WARN",
      "      - name: org.apache.kafka.controller",
      "        level: INFO",
      "",
    ].join("\n"),
  );
  return file;
}

function jvmArgs(state: ClusterState, logFile: string, log4jFile: string, heapMb: number): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    // Few GC and compiler threads: the brokers share two cores with the clients being measured.
    "-XX:ParallelGCThreads=1",
    "-XX:ConcGCThreads=1",
    "-XX:CICompilerCount=2",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dperflab.logFile=${logFile}`,
    "-cp",
    path.join(state.jarsDir, "*"),
  ];
}

async function formatStorage(state: ClusterState, b: BrokerState, log4jFile: string, extra: string[], signal?: AbortSignal): Promise<void> {
  const args = [
    ...jvmArgs(state, b.logFile, log4jFile, 256),
    "kafka.tools.StorageTool",
    "format",
    // "=" form: a base64url cluster id may start with "-", which argparse would read as an option.
    `--cluster-id=${state.clusterId}`,
    `--config=${b.propsFile}`,
    "--ignore-formatted",
    ...extra,
  ];
  const out = await runJava(state.javaCommand, args, 120_000, signal);
  if (out.code !== 0) {
    throw new ClusterError("FORMAT_FAILED", `formatting storage of broker ${b.id} failed (exit ${out.code}): ${lastLines(out.output)}`);
  }
}

function runJava(java: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(java, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener("abort", kill, { once: true });
    child.on("close", (code) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      resolve({ code, output });
    });
  });
}

function lastLines(text: string, n = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("SLF4J"))
    .slice(-n)
    .join(" | ");
}

function spawnBroker(state: ClusterState, b: BrokerState, log4jFile: string): number {
  fs.mkdirSync(path.dirname(b.stdoutFile), { recursive: true });
  const out = fs.openSync(b.stdoutFile, "a");
  try {
    // Detached: Ctrl-C in the terminal reaches perflab, which decides what to stop; the cluster outlives `up`.
    const child = spawn(state.javaCommand, [...jvmArgs(state, b.logFile, log4jFile, state.heapMb), "kafka.Kafka", b.propsFile], {
      detached: true,
      stdio: ["ignore", out, out],
    });
    if (child.pid === undefined) throw new ClusterError("BROKER_SPAWN_FAILED", `could not start broker ${b.id} with ${state.javaCommand}`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(out);
  }
}

function spawnWatchdog(stateDir: string, ownerPid: number): number {
  const child = spawn(process.execPath, [...nodeEntryArgs(__filename, "./watchdog"), stateDir, String(ownerPid)], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child.pid!;
}

async function waitRegistered(
  state: ClusterState,
  ids: number[],
  opts: { timeoutMs: number; signal?: AbortSignal; log?: (l: string) => void },
): Promise<void> {
  let last = -1;
  await waitFor(
    `broker${ids.length > 1 ? "s" : ""} ${ids.join(", ")} to register in the cluster metadata`,
    async () => {
      for (const id of ids) {
        const b = state.brokers.find((x) => x.id === id)!;
        if (!brokerAlive(b)) {
          const why = lastLines(tailFile(b.stdoutFile, 40) + "\n" + tailFile(b.logFile, 40).split("\n").filter((l) => /ERROR|FATAL|Exception/.test(l)).join("\n"));
          throw new ClusterError("BROKER_DIED", `broker ${id} exited during startup${why ? `: ${why}` : ""} (log: ${b.logFile})`);
        }
      }
      const registered = await registeredBrokerIds(probeBootstrap(state), { timeoutMs: 2000 });
      const n = registered ? ids.filter((id) => registered.includes(id)).length : 0;
      if (n !== last) {
        opts.log?.(`waiting for metadata: ${n}/${ids.length} broker${ids.length > 1 ? "s" : ""} registered`);
        last = n;
      }
      return n === ids.length;
    },
    { timeoutMs: opts.timeoutMs, intervalMs: 250, signal: opts.signal },
  );
}

/** Kill every broker and the watchdog of `state`, then remove the cluster folder (logs are kept). */
async function teardown(paths: ClusterPaths, state: ClusterState): Promise<void> {
  const pids = state.brokers.filter(brokerAlive).map((b) => b.pid!);
  // The data is removed next, so there is nothing a graceful shutdown would save: SIGKILL is safe and fast.
  await Promise.all(pids.map((pid) => terminate(pid, { signal: "SIGKILL", timeoutMs: 5000 })));
  if (state.watchdogPid && state.watchdogPid !== process.pid && isAlive(state.watchdogPid)) {
    await terminate(state.watchdogPid, { signal: "SIGTERM", timeoutMs: 2000 });
  }
  fs.rmSync(paths.root, { recursive: true, force: true });
}

/**
 * For the watchdog: tear the cluster down if it still belongs to `ownerPid` and no owner lives. Under the
 * cluster lock (a lock its dead owner held is taken over), so it cannot race a process that is replacing
 * the orphaned cluster with a new one in the same folder.
 */
export async function teardownOrphanedCluster(stateDir: string, ownerPid: number): Promise<void> {
  const paths = clusterPaths(stateDir);
  await withClusterLock(paths, async () => {
    const state = readClusterState(paths);
    if (state && state.ownerPid === ownerPid && !clusterOwners(state).some(isAlive)) await teardown(paths, state);
  });
}

async function assertPortsFree(ports: BrokerPorts[], host: string): Promise<void> {
  for (const p of allPorts(ports)) {
    if (!(await portFree(p.port, host))) {
      throw new ClusterError(
        "PORT_IN_USE",
        `port ${p.port} on ${host} is already in use (broker ${p.brokerId} ${p.listener} listener); choose another base port with --port, or stop what uses it`,
        { exitCode: 2 },
      );
    }
  }
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A base port where every port a cluster of `count` brokers needs is free (random search, 50 tries). */
export async function findFreeBase(count: number, host = "127.0.0.1", withInternal = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const ports = allPorts(brokerPorts(count, base, withInternal));
    let ok = true;
    for (const p of ports) if (!(await portFree(p.port, host))) ok = false;
    if (ok) return base;
  }
  throw new ClusterError("NO_FREE_PORTS", `found no free ports for ${count} broker(s) on ${host}`);
}
