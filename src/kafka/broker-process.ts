/**
 * The embedded cluster's processes and files: broker JVMs (storage format, start, readiness), the
 * watchdog, ports, teardown. embedded.ts holds the cluster's public operations on top of these.
 */
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { ClusterError, InputError } from "../errors";
import { isAlive, runCommand, tailFile, terminate } from "../util/process";
import { nodeEntryArgs } from "../util/node-entry";
import { waitFor } from "../util/timeout";
import { findFreeBase as findFreePortBase, portFree } from "../util/ports";
import { allPorts, brokerPorts, type BrokerPorts } from "./broker-config";
import { brokerAlive, type BrokerState, type ClusterPaths, type ClusterState } from "./cluster-state";
import { registeredBrokerIds } from "./probe";

export function brokerStateFor(paths: ClusterPaths, p: BrokerPorts, host: string): BrokerState {
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

/** The listener of one broker that a probe can use without credentials: the internal PLAINTEXT one when the client listener has SASL. */
export function probeAddress(b: BrokerState): string {
  return `${b.host}:${b.internalPort ?? b.port}`;
}

export function writeLog4jConfig(paths: ClusterPaths): string {
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

/** JVM flags of a broker; `tool` for a short-lived tool run (storage formatting), which C2 and G1 only slow down. */
/**
 * Extra flags for every broker JVM, from PERFLAB_BROKER_JVM_OPTS (whitespace-separated, like Kafka's own
 * KAFKA_JVM_PERFORMANCE_OPTS): placed after the lab's flags, so they win. Read when a cluster is created and
 * kept in its state, so a broker restarted later by another process gets them too. The test driver uses it
 * for `-XX:TieredStopAtLevel=1` (brokers that live a minute spend much of their CPU in the C2 compiler).
 */
export function brokerJvmOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.PERFLAB_BROKER_JVM_OPTS?.trim();
  if (!raw) return [];
  const flags = raw.split(/\s+/);
  const bad = flags.find((f) => !f.startsWith("-"));
  if (bad !== undefined) throw new InputError("BROKER_JVM_OPTS", `PERFLAB_BROKER_JVM_OPTS: "${bad}" is not a JVM flag (each flag starts with -)`, { field: "PERFLAB_BROKER_JVM_OPTS" });
  return flags;
}

/**
 * Extra server.properties for every broker of a cluster started while it is set, from PERFLAB_BROKER_CONFIG
 * (whitespace-separated `key=value` pairs). A spec's `kafka.embedded.brokerConfig` and the `brokerConfig`
 * option win over it. Written into each broker's properties when the cluster is created, so a restarted broker
 * keeps them. The test driver uses it for quieter idle test brokers (see scripts/run-tests.mjs).
 */
export function brokerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env.PERFLAB_BROKER_CONFIG?.trim();
  if (!raw) return {};
  const out: Record<string, string> = {};
  for (const pair of raw.split(/\s+/)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(\S*)$/.exec(pair);
    if (!m) throw new InputError("BROKER_CONFIG", `PERFLAB_BROKER_CONFIG: "${pair}" is not a key=value broker setting`, { field: "PERFLAB_BROKER_CONFIG" });
    out[m[1]!] = m[2]!;
  }
  return out;
}

function jvmArgs(state: ClusterState, logFile: string, log4jFile: string, heapMb: number, tool = false): string[] {
  // A tool: the client compiler and the serial collector (measured: formatting 1.55 → 1.05 CPU-s).
  const gcAndJit = tool
    ? ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    : // Few GC and compiler threads: the brokers share two cores with the clients being measured.
      ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1", "-XX:CICompilerCount=2"];
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    ...gcAndJit,
    ...((tool ? state.jvmExtras?.format : state.jvmExtras?.broker) ?? []),
    "-XX:+ExitOnOutOfMemoryError",
    // A JVM that crashes writes its report beside the broker's log, not into the user's working folder.
    `-XX:ErrorFile=${path.join(path.dirname(logFile), "hs_err_pid%p.log")}`,
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dperflab.logFile=${logFile}`,
    "-cp",
    path.join(state.jarsDir, "*"),
  ];
}

export async function formatStorage(state: ClusterState, b: BrokerState, log4jFile: string, extra: string[], signal?: AbortSignal): Promise<void> {
  const args = [
    ...jvmArgs(state, b.logFile, log4jFile, 256, true),
    "kafka.tools.StorageTool",
    "format",
    // "=" form: a base64url cluster id may start with "-", which argparse would read as an option.
    `--cluster-id=${state.clusterId}`,
    `--config=${b.propsFile}`,
    "--ignore-formatted",
    ...extra,
  ];
  const out = await runCommand(state.javaCommand, args, { timeoutMs: 120_000, signal });
  if (out.code !== 0) {
    throw new ClusterError("FORMAT_FAILED", `formatting storage of broker ${b.id} failed (exit ${out.code}): ${lastLines(out.output)}`);
  }
}

/**
 * Why a broker died while starting, from the end of its log: the root cause of its last exception ("Caused by:
 * java.net.BindException: Address already in use"), else its first ERROR line. (The last lines are the
 * shutdown that follows the error: a broker that cannot bind its port logs ~100 lines after saying so.)
 */
export function startupFailure(logTail: string): string {
  const lines = logTail.split("\n").map((l) => l.trim());
  const cause = lines.filter((l) => l.startsWith("Caused by: ")).at(-1);
  return cause ?? lines.find((l) => /\b(ERROR|FATAL)\b/.test(l)) ?? "";
}

/** A broker that died because a port chosen free was taken before it bound it (another process's race). */
export function isPortTaken(err: unknown): boolean {
  return err instanceof ClusterError && err.code === "BROKER_DIED" && /Address already in use|failed to bind/.test(err.message);
}

function lastLines(text: string, n = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("SLF4J"))
    .slice(-n)
    .join(" | ");
}

export function spawnBroker(state: ClusterState, b: BrokerState, log4jFile: string): number {
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

export function spawnWatchdog(stateDir: string, ownerPid: number): number {
  const child = spawn(process.execPath, [...nodeEntryArgs(__filename, "./watchdog"), stateDir, String(ownerPid)], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child.pid!;
}

export async function waitRegistered(
  state: ClusterState,
  ids: number[],
  opts: { timeoutMs: number; signal?: AbortSignal; log?: (l: string) => void },
): Promise<void> {
  let last = -1;
  const brokers = ids.map((id) => state.brokers.find((x) => x.id === id)!);
  await waitFor(
    `broker${ids.length > 1 ? "s" : ""} ${ids.join(", ")} to register in the cluster metadata`,
    async () => {
      for (const b of brokers) {
        if (!brokerAlive(b)) {
          const why = lastLines(tailFile(b.stdoutFile, 40) + "\n" + startupFailure(tailFile(b.logFile, 400)));
          throw new ClusterError("BROKER_DIED", `broker ${b.id} exited during startup${why ? `: ${why}` : ""} (log: ${b.logFile})`);
        }
      }
      // Each broker is asked on its own listener, which a starting broker opens only once the controller has taken its
      // registration and it has caught up with the metadata. Asking the cluster is not enough: after a SIGKILL the
      // controller keeps the dead process registered until its session times out (broker.session.timeout.ms, 9 s), so
      // the metadata listed a broker restarted after a kill 40 ms into its start, and it answered 13 s later.
      const answers = await Promise.all(brokers.map((b) => registeredBrokerIds([probeAddress(b)], { timeoutMs: 2000 })));
      const n = brokers.filter((b, i) => answers[i]?.includes(b.id)).length;
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
export async function teardown(paths: ClusterPaths, state: ClusterState): Promise<void> {
  const pids = state.brokers.filter(brokerAlive).map((b) => b.pid!);
  // The data is removed next, so there is nothing a graceful shutdown would save: SIGKILL is safe and fast.
  await Promise.all(pids.map((pid) => terminate(pid, { signal: "SIGKILL", timeoutMs: 5000 })));
  if (state.watchdogPid && state.watchdogPid !== process.pid && isAlive(state.watchdogPid)) {
    await terminate(state.watchdogPid, { signal: "SIGTERM", timeoutMs: 2000 });
  }
  fs.rmSync(paths.root, { recursive: true, force: true });
}

/** The ports of one broker of the state. */
export function portsOf(b: BrokerState): BrokerPorts {
  return { id: b.id, port: b.port, controllerPort: b.controllerPort, internalPort: b.internalPort };
}

/**
 * Waits (at most `timeoutMs`) until every port of a stopped broker can be bound again; past that, a start's check names
 * what holds them. A SIGKILLed JVM counts as gone once its main thread is a zombie, while its other threads can still
 * hold the sockets: a start right after a hard stop met "port … already in use".
 */
export async function waitPortsReleased(ports: BrokerPorts, host: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(`broker ${ports.id}'s ports to be released`, async () => (await firstTakenPort([ports], host)) === null, { timeoutMs, intervalMs: 50 }).catch(() => undefined);
}

/** The first of these brokers' ports that cannot be bound on `host`, or null. */
async function firstTakenPort(ports: BrokerPorts[], host: string): Promise<ReturnType<typeof allPorts>[number] | null> {
  for (const p of allPorts(ports)) if (!(await portFree(p.port, host))) return p;
  return null;
}

export async function assertPortsFree(ports: BrokerPorts[], host: string): Promise<void> {
  const p = await firstTakenPort(ports, host);
  if (p) {
    throw new ClusterError(
      "PORT_IN_USE",
      `port ${p.port} on ${host} is already in use (broker ${p.brokerId} ${p.listener} listener); choose another base port with --port, or stop what uses it`,
      { exitCode: 2 },
    );
  }
}

/**
 * A base port where every port a cluster of `count` brokers needs is free, below the ephemeral range (see
 * util/ports). A cluster uses ports base … base + 2xx.
 */
export async function findFreeBase(count: number, host = "127.0.0.1", withInternal = false): Promise<number> {
  const base = await findFreePortBase((b) => allPorts(brokerPorts(count, b, withInternal)).map((p) => p.port), host);
  if (base === null) throw new ClusterError("NO_FREE_PORTS", `found no free ports for ${count} broker(s) on ${host}`);
  return base;
}
