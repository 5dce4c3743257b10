/** Operations on a running embedded cluster's brokers (status, stop, start, pause, resume), under the cluster lock. */
import path from "node:path";
import { ClusterError } from "../errors";
import { stateDir as defaultStateDir } from "../paths";
import { sendSignal, terminate } from "../util/process";
import { assertPortsFree, portsOf, probeAddress, spawnBroker, waitPortsReleased, waitRegistered } from "./broker-process";
import { brokerAlive, clusterPaths, readClusterState, withClusterLock, writeClusterState, type BrokerState, type ClusterPaths, type ClusterState } from "./cluster-state";
import { registeredBrokerIds } from "./probe";
import { unregisterBroker } from "./unregister";

export type BrokerRunState = "up" | "down" | "paused";

export interface BrokerStatus {
  id: number;
  host: string;
  port: number;
  controllerPort: number;
  pid: number | null;
  state: BrokerRunState;
  /** Registered in the cluster metadata (only when probed, and unset when no running broker answered). */
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
    // Asked through running brokers only: kafkajs picks its seed at random, and a killed or paused one (which Kafka
    // may still list for its 9 s session) made every broker show "not registered" one status in three.
    const ids = await registeredBrokerIds(state.brokers.filter((b) => brokerAlive(b) && !b.paused).map(probeAddress), { timeoutMs: 3000 });
    // No answer (a controller election after a kill can hold metadata for a few seconds) is not "not registered": "-".
    if (ids) for (const b of brokers) b.registered = ids.includes(b.id);
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
    await waitPortsReleased(portsOf(b), b.host);
    b.pid = null;
    b.paused = false;
    writeClusterState(paths, state);
  });
}

export interface StartBrokerOptions {
  stateDir?: string;
  readyTimeoutMs?: number;
  /**
   * Unregister the broker's previous incarnation first (through a running broker), so that it registers at once
   * instead of after that incarnation's session expires (broker.session.timeout.ms, 9 s: see ./unregister.ts). For
   * the lab's own restarts (between repetitions); a restart that is part of an experiment keeps Kafka's behaviour.
   */
  replaceRegistration?: boolean;
}

export async function startBroker(id: number, opts: StartBrokerOptions = {}): Promise<void> {
  const paths = clusterPaths(opts.stateDir ?? defaultStateDir());
  await withClusterLock(paths, async () => {
    const state = requireState(paths);
    const b = requireBroker(state, id);
    if (brokerAlive(b)) throw new ClusterError("BROKER_RUNNING", `broker ${id} is already running (pid ${b.pid})`, { exitCode: 2 });
    await assertPortsFree([portsOf(b)], b.host);
    // Every node is a controller voter: with a majority of them running, an active controller holds the old session.
    // Without one, the quorum forms again as brokers come back, and the new controller starts every session afresh.
    const running = state.brokers.filter((x) => x.id !== id && brokerAlive(x) && !x.paused);
    const through = opts.replaceRegistration && running.length > state.brokers.length / 2 ? running[0] : undefined;
    // Not unregistered (no answer, an older Kafka): the broker registers once the old session expires, as without it.
    if (through) await unregisterBroker(probeAddress(through), id).catch(() => undefined);
    b.pid = spawnBroker(state, b, path.join(paths.root, "log4j2.yaml"));
    b.paused = false;
    writeClusterState(paths, state);
    await waitRegistered(state, [id], { timeoutMs: opts.readyTimeoutMs ?? 60_000 });
  });
}

export async function signalBroker(paths: ClusterPaths, id: number, what: "pause" | "resume"): Promise<void> {
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


export function bootstrapOf(s: ClusterState): string[] {
  return s.brokers.map((b) => `${b.host}:${b.port}`);
}
