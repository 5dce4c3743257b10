/**
 * Embedded RabbitMQ, managed like the embedded Kafka: one node started from the machine's `rabbitmq-server`
 * (Debian/Ubuntu package, Homebrew, or PERFLAB_RABBITMQ_SERVER) out of a private folder under the lab's
 * state folder — node name, ports, data, logs, config, plugins and the Erlang cookie all set by environment
 * variables, so nothing of a system RabbitMQ is touched. Loopback only (AMQP, management API, Erlang
 * distribution and the node's own epmd). The management plugin is on: it reports the queue's ready and
 * unacknowledged counts. `down`, SIGINT and a dead owner (a watchdog process) leave no beam.smp or epmd.
 */
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { ClusterError, PerfLabError, SetupError } from "../errors";
import { stateDir as defaultStateDir, writeJsonAtomic } from "../paths";
import { isAlive, processesMentioning, runCommand, sendSignal, tailFile, terminate } from "../util/process";
import { nodeEntryArgs } from "../util/node-entry";
import { waitFor } from "../util/timeout";
import { findFreeBase } from "../util/ports";

export interface RabbitState {
  nodeName: string;
  amqpPort: number;
  managementPort: number;
  distPort: number;
  epmdPort: number;
  /** Process group of the rabbitmq-server script (its beam.smp is in it). */
  serverPid: number;
  epmdPid: number;
  ownerPid: number | null;
  startedAt: string;
  version: string | null;
  dir: string;
  logFile: string;
}

export interface RabbitPaths {
  dir: string;
  stateFile: string;
}

export function rabbitPaths(stateDir: string = defaultStateDir()): RabbitPaths {
  const dir = path.join(stateDir, "rabbitmq");
  return { dir, stateFile: path.join(dir, "state.json") };
}

export function readRabbitState(stateDir?: string): RabbitState | null {
  try {
    return JSON.parse(fs.readFileSync(rabbitPaths(stateDir).stateFile, "utf8")) as RabbitState;
  } catch {
    return null;
  }
}

/** The node's AMQP URL (guest may connect over loopback only, which is all this node listens on). */
export function amqpUrlOf(s: RabbitState): string {
  return `amqp://guest:guest@127.0.0.1:${s.amqpPort}`;
}

const SERVER_CANDIDATES = ["/usr/lib/rabbitmq/bin/rabbitmq-server", "/opt/homebrew/sbin/rabbitmq-server", "/usr/local/sbin/rabbitmq-server"];

/**
 * The rabbitmq-server script to run. Debian's /usr/sbin wrapper refuses normal users and, as root, switches
 * to the `rabbitmq` user; the script behind it runs as whoever starts it, so the lab runs that one.
 */
export function findRabbitServer(): string {
  const fromEnv = process.env.PERFLAB_RABBITMQ_SERVER;
  const found = fromEnv ? (fs.existsSync(fromEnv) ? fromEnv : null) : (SERVER_CANDIDATES.find((c) => fs.existsSync(c)) ?? null);
  if (!found) {
    throw new PerfLabError(
      "RABBITMQ_MISSING",
      `rabbitmq-server not found${fromEnv ? ` at PERFLAB_RABBITMQ_SERVER=${fromEnv}` : ""}: install it (sudo apt-get install rabbitmq-server, or brew install rabbitmq), or run the compose service (docker compose up rabbitmq) and use its URL`,
      { exitCode: 2 },
    );
  }
  return found;
}

/** AMQP, management, distribution and epmd ports: four in a row, below the ephemeral range (see util/ports). */
async function freePorts(host: string): Promise<[number, number, number, number]> {
  const base = await findFreeBase((b) => [b, b + 1, b + 2, b + 3], host);
  if (base === null) throw new SetupError("NO_FREE_PORTS", `found no four free ports in a row on ${host} for the RabbitMQ node`);
  return [base, base + 1, base + 2, base + 3];
}

export interface StartRabbitOptions {
  stateDir?: string;
  /** Pid whose exit takes the node down (a watchdog enforces it); null: lives until `down`. */
  owner?: number | null;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Start the embedded node (or return the one already up) and wait until its management API answers. */
export async function startEmbeddedRabbitMQ(opts: StartRabbitOptions = {}): Promise<RabbitState> {
  const stateDir = opts.stateDir ?? defaultStateDir();
  const running = readRabbitState(stateDir);
  if (running && isAlive(running.serverPid)) return running;
  if (running) await stopEmbeddedRabbitMQ({ stateDir });
  const server = findRabbitServer();
  const p = rabbitPaths(stateDir);
  fs.mkdirSync(path.join(p.dir, "log"), { recursive: true });
  const [amqpPort, managementPort, distPort, epmdPort] = await freePorts("127.0.0.1");
  const nodeName = `perflab${amqpPort}@localhost`;
  const conf = path.join(p.dir, "rabbitmq.conf");
  fs.writeFileSync(conf, [`listeners.tcp.default = 127.0.0.1:${amqpPort}`, `management.tcp.ip = 127.0.0.1`, `management.tcp.port = ${managementPort}`, "log.console = false", "collect_statistics_interval = 500", ""].join("\n"));
  fs.writeFileSync(path.join(p.dir, "enabled_plugins"), "[rabbitmq_management].\n");
  const ports = { nodeName, amqpPort, managementPort, distPort, epmdPort };
  const env = nodeEnv(p.dir, conf, ports);
  // The node's own epmd in the foreground (a daemonized one would outlive the node).
  const epmd = spawn("epmd", ["-port", String(epmdPort), "-address", "127.0.0.1"], { env, detached: true, stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    epmd.once("spawn", resolve);
    epmd.once("error", (err) => reject(new SetupError("EPMD_MISSING", `cannot start epmd (it comes with Erlang, a dependency of rabbitmq-server): ${err.message}`)));
  });
  epmd.unref();
  const logFile = path.join(p.dir, "log", "server.out");
  const state: RabbitState = {
    ...ports, serverPid: 0, epmdPid: epmd.pid!, ownerPid: opts.owner ?? null, startedAt: new Date().toISOString(), version: null, dir: p.dir, logFile,
  };
  opts.log?.(`starting RabbitMQ node ${nodeName} on 127.0.0.1:${amqpPort}`);
  writeJsonAtomic(p.stateFile, state);
  if (state.ownerPid) spawnRabbitWatchdog(stateDir, state.ownerPid); // also while it starts
  try {
    await launchNode(stateDir, state, server, opts);
    return state;
  } catch (err) {
    await stopEmbeddedRabbitMQ({ stateDir });
    throw err;
  }
}

/** The environment that puts every file, port and name of the node in its private folder. */
function nodeEnv(dir: string, conf: string, s: Pick<RabbitState, "nodeName" | "amqpPort" | "distPort" | "epmdPort">): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir, // the Erlang cookie lives here, not in the user's home
    RABBITMQ_NODENAME: s.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(s.amqpPort),
    RABBITMQ_DIST_PORT: String(s.distPort),
    ERL_EPMD_PORT: String(s.epmdPort),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_MNESIA_BASE: path.join(dir, "data"),
    RABBITMQ_LOG_BASE: path.join(dir, "log"),
    RABBITMQ_CONFIG_FILE: conf,
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
    RABBITMQ_PID_FILE: path.join(dir, "rabbitmq.pid"),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
  };
}

/** Start rabbitmq-server for `state` (its ports and folders), record its pid, wait until its management API answers. */
async function launchNode(stateDir: string, state: RabbitState, server: string, opts: { readyTimeoutMs?: number; signal?: AbortSignal }): Promise<void> {
  const env = nodeEnv(state.dir, path.join(state.dir, "rabbitmq.conf"), state);
  const out = fs.openSync(state.logFile, "a");
  const child = spawn(server, [], { env, cwd: state.dir, detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.unref();
  state.serverPid = child.pid!;
  writeJsonAtomic(rabbitPaths(stateDir).stateFile, state);
  const overview = await waitFor<{ rabbitmq_version?: string }>(
    "RabbitMQ's management API to answer",
    async () => {
      if (!isAlive(child.pid)) throw new ClusterError("RABBITMQ_DIED", `rabbitmq-server exited during startup: ${tailFile(state.logFile, 5).replace(/\n/g, " | ")} (log: ${state.logFile})`);
      return (await managementGet(state, "/api/overview").catch(() => undefined)) as { rabbitmq_version?: string } | undefined;
    },
    { timeoutMs: opts.readyTimeoutMs ?? 90_000, intervalMs: 300, signal: opts.signal },
  );
  state.version = overview.rabbitmq_version ?? null;
  writeJsonAtomic(rabbitPaths(stateDir).stateFile, state);
}

/**
 * A broker fault on the embedded node: stop it (SIGTERM, a clean shutdown) or kill it (SIGKILL), keeping its
 * data — durable queues and the persistent messages in them come back with startRabbitNode.
 */
export async function stopRabbitNode(opts: { stateDir?: string; hard?: boolean } = {}): Promise<void> {
  const s = readRabbitState(opts.stateDir);
  if (!s || !isAlive(s.serverPid)) throw new ClusterError("RABBITMQ_DOWN", "the embedded RabbitMQ is not running");
  const beams = beamProcesses(s);
  const signal = opts.hard ? "SIGKILL" : "SIGTERM";
  for (const pid of beams) sendSignal(pid, signal);
  sendSignal(-s.serverPid, signal);
  await Promise.all(beams.map((pid) => terminate(pid, { timeoutMs: 20_000 })));
  sendSignal(-s.serverPid, "SIGKILL");
}

/** Start the embedded node again after stopRabbitNode: same name, ports and data. */
export async function startRabbitNode(opts: { stateDir?: string; readyTimeoutMs?: number } = {}): Promise<void> {
  const stateDir = opts.stateDir ?? defaultStateDir();
  const s = readRabbitState(stateDir);
  if (!s) throw new ClusterError("RABBITMQ_DOWN", "no embedded RabbitMQ to start (run perflab rabbitmq up)");
  if (isAlive(s.serverPid) && beamProcesses(s).length > 0) return;
  await launchNode(stateDir, s, findRabbitServer(), opts);
}

/**
 * Put the node's metadata (queue declarations) on disk now: `rabbitmqctl eval 'mnesia:sync_log().'`.
 * Mnesia logs a declaration through Erlang's disk_log, which keeps writes in memory for up to 2 s (longer on
 * a busy machine) before writing them; a SIGKILL in that window brought RabbitMQ 3.10 back without a queue
 * declared seconds before (seen here beside a CPU hog), so a broker fault would measure the lab's fresh
 * queue instead of the messages. No AMQP or HTTP call flushes it; rabbitmqctl (next to the server script)
 * does, in about 0.8 s.
 */
export async function syncRabbitMetadata(opts: { stateDir?: string; timeoutMs?: number } = {}): Promise<void> {
  const s = readRabbitState(opts.stateDir);
  if (!s) throw new ClusterError("RABBITMQ_DOWN", "the embedded RabbitMQ is not running");
  const ctl = path.join(path.dirname(findRabbitServer()), "rabbitmqctl");
  const env = nodeEnv(s.dir, path.join(s.dir, "rabbitmq.conf"), s);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { code, output: out } = await runCommand(ctl, ["eval", "mnesia:sync_log()."], { timeoutMs, env, cwd: s.dir });
  if (code !== 0 || !/\bok\b/.test(out)) throw new ClusterError("RABBITMQ_SYNC", `rabbitmqctl eval mnesia:sync_log() failed (exit ${code}, ${timeoutMs / 1000} s limit): ${out.trim().slice(-300)}`);
}

/** Pause (SIGSTOP) or resume (SIGCONT) the node's Erlang VM: it stops answering without closing a connection. */
export function signalRabbitNode(signal: "SIGSTOP" | "SIGCONT", opts: { stateDir?: string } = {}): void {
  const s = readRabbitState(opts.stateDir);
  if (!s) throw new ClusterError("RABBITMQ_DOWN", "the embedded RabbitMQ is not running");
  for (const pid of beamProcesses(s)) sendSignal(pid, signal);
}

/** GET on the node's management API (guest, loopback). Throws on a non-2xx answer. */
export async function managementGet(s: RabbitState, urlPath: string, timeoutMs = 5000): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${s.managementPort}${urlPath}`, {
    headers: { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new ClusterError("RABBITMQ_API", `RabbitMQ management API ${urlPath}: HTTP ${res.status}`);
  return res.json();
}

/** A queue's messages ready for delivery and delivered but not yet acknowledged (RabbitMQ's own figures). */
export async function queueCounts(s: RabbitState, queue: string): Promise<{ ready: number; unacked: number; consumers: number }> {
  return countsOf((await managementGet(s, `/api/queues/%2F/${encodeURIComponent(queue)}`)) as ApiQueue);
}

/** A queue as the management API describes it (the fields the lab reads). */
interface ApiQueue {
  name: string;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
}

function countsOf(q: ApiQueue): { ready: number; unacked: number; consumers: number } {
  return { ready: q.messages_ready ?? 0, unacked: q.messages_unacknowledged ?? 0, consumers: q.consumers ?? 0 };
}

/** The node's beam.smp: its command line names the node's private epmd port (the node name is in its env). */
function beamProcesses(s: RabbitState): number[] {
  return processesMentioning(`-epmd_port ${s.epmdPort} `);
}

/** Stop the node (SIGTERM, then SIGKILL after 20 s), its epmd, and remove its data. */
export async function stopEmbeddedRabbitMQ(opts: { stateDir?: string } = {}): Promise<{ stopped: boolean }> {
  const s = readRabbitState(opts.stateDir);
  if (!s) return { stopped: false };
  const wasUp = isAlive(s.serverPid);
  const beams = beamProcesses(s);
  sendSignal(-s.serverPid, "SIGTERM");
  await Promise.all(beams.map((pid) => terminate(pid, { timeoutMs: 20_000 })));
  sendSignal(-s.serverPid, "SIGKILL");
  for (const pid of [s.epmdPid, ...processesMentioning(`epmd -port ${s.epmdPort} `)]) await terminate(pid, { timeoutMs: 5000 });
  fs.rmSync(s.dir, { recursive: true, force: true });
  return { stopped: wasUp };
}

export interface RabbitStatus {
  up: boolean;
  state: RabbitState | null;
  queues: Array<{ name: string; ready: number; unacked: number; consumers: number }>;
}

export async function embeddedRabbitStatus(opts: { stateDir?: string } = {}): Promise<RabbitStatus> {
  const s = readRabbitState(opts.stateDir);
  if (!s || !isAlive(s.serverPid)) return { up: false, state: s, queues: [] };
  const qs = ((await managementGet(s, "/api/queues").catch(() => [])) as ApiQueue[]).map((q) => ({ name: q.name, ...countsOf(q) }));
  return { up: true, state: s, queues: qs };
}

function spawnRabbitWatchdog(stateDir: string, ownerPid: number): void {
  const child = spawn(process.execPath, [...nodeEntryArgs(__filename, "./watchdog"), stateDir, String(ownerPid)], { detached: true, stdio: "ignore" });
  child.unref();
}
