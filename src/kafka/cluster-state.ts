import fs from "node:fs";
import path from "node:path";
import { ClusterError } from "../errors";
import type { ClusterJvmExtras } from "./class-archive";
import { stateDir as defaultStateDir, writeJsonAtomic } from "../paths";
import { isAlive, processCommandLine } from "../util/process";

/** One broker of the embedded cluster as the lab remembers it between commands. */
export interface BrokerState {
  id: number;
  host: string;
  port: number;
  controllerPort: number;
  internalPort: number | null;
  dir: string;
  propsFile: string;
  logFile: string;
  stdoutFile: string;
  /** Pid of the broker JVM while it runs; null once stopped. */
  pid: number | null;
  /** True between pause (SIGSTOP) and resume (SIGCONT). */
  paused: boolean;
}

export interface ClusterState {
  version: 1;
  clusterId: string;
  kafkaVersion: string;
  jarsDir: string;
  javaCommand: string;
  heapMb: number;
  createdAt: string;
  /** Process that owns the cluster: when it dies, the watchdog takes the cluster down. Null for `perflab kafka up`. */
  ownerPid: number | null;
  /** Processes that reused an owned cluster (ensureEmbeddedKafka): it stays up while any owner lives. */
  coOwnerPids?: number[];
  watchdogPid: number | null;
  /** SASL mechanisms on the client listener, [] for PLAINTEXT. Passwords are never stored here. */
  saslMechanisms: string[];
  /** JVM flags added to the lab's for broker and formatter JVMs (the class-data archives); absent: none. */
  jvmExtras?: ClusterJvmExtras;
  brokers: BrokerState[];
}

/** Where a cluster's files live. Everything of one cluster is under `root`; logs survive `down`. */
export interface ClusterPaths {
  stateDir: string;
  root: string;
  stateFile: string;
  lockDir: string;
  logsDir: string;
}

export function clusterPaths(stateDir: string = defaultStateDir()): ClusterPaths {
  const root = path.join(stateDir, "cluster");
  return {
    stateDir,
    root,
    stateFile: path.join(root, "state.json"),
    lockDir: path.join(stateDir, "cluster.lock"),
    logsDir: path.join(stateDir, "logs"),
  };
}

export function readClusterState(paths: ClusterPaths): ClusterState | null {
  let text: string;
  try {
    text = fs.readFileSync(paths.stateFile, "utf8");
  } catch {
    return null; // no state file: no cluster
  }
  try {
    return JSON.parse(text) as ClusterState;
  } catch (err) {
    throw new ClusterError("STATE_CORRUPT", `cluster state ${paths.stateFile} is not valid JSON; remove ${paths.root} by hand`, { cause: err });
  }
}

export function writeClusterState(paths: ClusterPaths, state: ClusterState): void {
  writeJsonAtomic(paths.stateFile, state);
}

/** True if `pid` is alive and is this broker's JVM (guards against pid reuse where /proc exists). */
export function brokerAlive(b: BrokerState): boolean {
  if (b.pid === null || !isAlive(b.pid)) return false;
  const cmd = processCommandLine(b.pid);
  return cmd === null || cmd.includes(b.propsFile);
}

/**
 * Cross-process lock for commands that change the cluster (up, down, stop/start broker): an exclusive
 * mkdir holding the owner's pid. A lock left by a dead process is taken over. Waits up to `timeoutMs`.
 */
export async function withClusterLock<T>(paths: ClusterPaths, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  fs.mkdirSync(paths.stateDir, { recursive: true });
  const pidFile = path.join(paths.lockDir, "pid");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(paths.lockDir);
      fs.writeFileSync(pidFile, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readOr(pidFile, "0"));
      if (!holder || !isAlive(holder)) {
        // Only take over after a short grace: the holder may be between mkdir and writing its pid.
        const age = Date.now() - fs.statSync(paths.lockDir).mtimeMs;
        if (holder || age > 2000) {
          fs.rmSync(paths.lockDir, { recursive: true, force: true });
          continue;
        }
      }
      if (Date.now() > deadline) {
        throw new ClusterError("CLUSTER_BUSY", `another perflab command (pid ${holder}) is changing the cluster in ${paths.stateDir}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(paths.lockDir, { recursive: true, force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback; // the holder has not written its pid yet
  }
}

/** Owners of a cluster (the first one and those that reused it); [] for a cluster from `perflab kafka up`. */
export function clusterOwners(state: ClusterState): number[] {
  return state.ownerPid === null ? [] : [state.ownerPid, ...(state.coOwnerPids ?? [])];
}
