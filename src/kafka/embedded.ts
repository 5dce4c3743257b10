import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { ClusterError, errorMessage, InputError, PerfLabError } from "../errors";
import { stateDir as defaultStateDir } from "../paths";
import { isAlive } from "../util/process";
import { brokerPorts, brokerProperties, newClusterId, scramFormatArgs, type BrokerPorts } from "./broker-config";
import { assertPortsFree, brokerConfigFromEnv, brokerJvmOptions, isPortTaken, brokerStateFor, findFreeBase, formatStorage, spawnBroker, spawnWatchdog, teardown, waitRegistered, writeLog4jConfig } from "./broker-process";
import {
  brokerAlive,
  clusterOwners,
  clusterPaths,
  readClusterState,
  withClusterLock,
  writeClusterState,
  type ClusterPaths,
  type ClusterState,
} from "./cluster-state";
import { findJava } from "./java";
import { classArchiveArgs, type ClusterJvmExtras } from "./class-archive";
import { ensureKafkaJars, kafkaVersion } from "./jars";
import { bootstrapOf, embeddedKafkaStatus, signalBroker, startBroker, stopBroker, type ClusterStatus, type StartBrokerOptions } from "./broker-ops";

export { findFreeBase } from "./broker-process";
export { embeddedKafkaStatus, stopBroker, startBroker, type ClusterStatus, type BrokerStatus, type BrokerRunState } from "./broker-ops";

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
  /** Extra broker settings, applied to every broker; they win over PERFLAB_BROKER_CONFIG. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Aborting (e.g. on Ctrl-C) stops what was started and removes it. */
  signal?: AbortSignal;
  /** JVM flags added to the lab's own; default: the class-data archives (when `perflab setup kafka-jars` built them) and PERFLAB_BROKER_JVM_OPTS. */
  jvmExtras?: ClusterJvmExtras;
  /** Progress lines ("formatting storage", "waiting for metadata 2/3"). */
  log?: (line: string) => void;
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

  /** Restart a stopped broker with its data and wait until it answers on its own listener (registered, caught up). */
  startBroker(id: number, opts: Omit<StartBrokerOptions, "stateDir"> = {}): Promise<void> {
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
  // With basePort "auto", ports found free can be taken by another process before the JVMs bind them, seconds
  // later (seen in the test suite: clusters starting side by side). The failed start is already torn down:
  // pick other ports, twice at most.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (opts.basePort !== "auto" || attempt === 3 || !isPortTaken(err) || opts.signal?.aborted) throw err;
      opts.log?.(`a port picked for the brokers was taken before they bound it: picking others (${errorMessage(err)})`);
    }
  }
}

async function startOnce(opts: StartEmbeddedKafkaOptions): Promise<EmbeddedKafka> {
  const count = validateBrokerCount(opts.brokers ?? 1);
  const host = opts.host ?? "127.0.0.1";
  const heapMb = opts.heapMb ?? 512;
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  const log = opts.log ?? (() => undefined);
  const withInternal = !!opts.saslUsers && Object.keys(opts.saslUsers).length > 0;
  const envJvmFlags = opts.jvmExtras ? [] : brokerJvmOptions(); // a bad value fails here, before anything is written
  const brokerConfig = { ...brokerConfigFromEnv(), ...opts.brokerConfig }; // so does this one

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

    const extras = opts.jvmExtras ?? classArchiveArgs({ javaCommand: java.command, versionLine: java.versionLine, jarsDir });
    const jvmExtras = { ...extras, broker: [...extras.broker, ...envJvmFlags] };
    const state = writeClusterFiles(paths, { count, host, heapMb, withInternal, version, jarsDir, javaCommand: java.command, jvmExtras, ports, opts: { ...opts, brokerConfig } });
    const log4jFile = path.join(paths.root, "log4j2.yaml");
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

/** The state file, log4j config and every broker's server.properties of a new cluster (nothing started yet). */
function writeClusterFiles(
  paths: ClusterPaths,
  c: {
    count: number;
    host: string;
    heapMb: number;
    withInternal: boolean;
    version: string;
    jarsDir: string;
    javaCommand: string;
    jvmExtras: ClusterJvmExtras;
    ports: BrokerPorts[];
    opts: StartEmbeddedKafkaOptions;
  },
): ClusterState {
  fs.mkdirSync(paths.root, { recursive: true });
  fs.mkdirSync(paths.logsDir, { recursive: true });
  writeLog4jConfig(paths);
  const state: ClusterState = {
    version: 1,
    clusterId: newClusterId(crypto.randomBytes),
    kafkaVersion: c.version,
    jarsDir: c.jarsDir,
    javaCommand: c.javaCommand,
    heapMb: c.heapMb,
    createdAt: new Date().toISOString(),
    ownerPid: c.opts.owner ?? null,
    watchdogPid: null,
    saslMechanisms: c.withInternal ? ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] : [],
    jvmExtras: c.jvmExtras,
    brokers: c.ports.map((p) => brokerStateFor(paths, p, c.host)),
  };
  for (const b of state.brokers) {
    fs.mkdirSync(b.dir, { recursive: true });
    const props = brokerProperties({ self: c.ports.find((p) => p.id === b.id)!, all: c.ports, host: c.host, dataDir: path.join(b.dir, "data"), saslUsers: c.opts.saslUsers, overrides: c.opts.brokerConfig });
    fs.writeFileSync(b.propsFile, props, { mode: 0o600 });
  }
  writeClusterState(paths, state);
  return state;
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
      // A reused cluster made whole: a broker stopped moments ago registers at once (its old session unregistered).
      for (const b of found.state.brokers) if (!brokerAlive(b)) await found.startBroker(b.id, { replaceRegistration: true });
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

