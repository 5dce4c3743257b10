import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { PerfLabError, TimeoutError } from "../errors";
import { monoMs } from "../metrics/clock";
import type { Launcher } from "../profiling/zerox";
import type { RoleRepResult } from "../results/role-result";
import { bootId, type ControlServer, type Received, type RunnerMessage } from "../roles/control";
import type { RoleConfig } from "../roles/role-config";
import { nodeEntryArgs } from "../util/node-entry";
import { isAlive, tailFile, terminate } from "../util/process";
import { sleep } from "../util/timeout";

/** What a role handed in for one repetition: its result and the binary attachments of it. */
export interface HandedIn {
  result: RoleRepResult;
  attachments: Record<string, Buffer>;
}

/** A role process as the runner tracks it. */
export interface RoleHandle {
  roleId: string;
  kind: "producer" | "consumer";
  index: number;
  child: ChildProcess;
  logFile: string;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Last progress report of the current repetition (`atMs` is absent only before the first one). */
  progress: { sent: number; acked: number; failed: number; received: number; buffered: number; positions: Record<string, number>; atMs?: number; error?: string; errorCode?: string };
  /** "type:rep" of every message received, for the waits. */
  seen: Set<string>;
  assigned: number[];
  errors: Array<{ rep: number | null; code: string; message: string; fatal: boolean }>;
  config: RoleConfig;
  /** The role's monotonic clock minus the runner's (0 on this host). */
  clockOffsetMs: number;
  /** Results per repetition. */
  results: Map<number, HandedIn>;
  /** Receipt journal chunks per repetition (what a consumer received, sent before each commit). */
  receipts: Map<number, Buffer[]>;
}

export interface SpawnOptions {
  control: ControlServer;
  configs: RoleConfig[];
  /** Log file (stdout + stderr) of each role. */
  logFile: (cfg: RoleConfig) => string;
  env: Record<string, string>;
  launcher?: Launcher;
  /** Roles to start with precise coverage from their first line and the optimizing compiler off (calls repetitions). */
  preciseCoverage?: (cfg: RoleConfig) => boolean;
  helloTimeoutMs: number;
}

/** Thrown when a role failed: names the role and the cause. `fatalInput` marks a user mistake (bad module). */
export class RoleFailure extends PerfLabError {
  constructor(
    readonly roleId: string,
    message: string,
    readonly fatalInput = false,
  ) {
    super(fatalInput ? "ROLE_INPUT" : "ROLE_FAILED", message, { exitCode: fatalInput ? 2 : 1 });
  }
}

const INPUT_CODES = new Set(["USER_MODULE_MISSING", "USER_MODULE_FAILED", "USER_MODULE_EXPORT", "BAD_OPTION", "BAD_COMPRESSION", "SCRIPT_NO_CONSUMER", "SCRIPT_NO_REPORT"]);
const EMPTY_PROGRESS = () => ({ sent: 0, acked: 0, failed: 0, received: 0, buffered: 0, positions: {} });

/**
 * The producer and consumer processes of one configuration. Spawns them, configures them over the control
 * channel, routes their messages, and offers waits that end in one of three ways: every role answered, a
 * role failed (its error or its unexpected exit, with the last lines of its log), or the timeout.
 */
export class RoleSet {
  readonly roles: RoleHandle[] = [];
  private listeners: Array<() => void> = [];
  private closing = false;
  private readonly myBootId = bootId();
  /** True once roles were added or killed on purpose: the next repetition needs a fresh set. */
  changed = false;

  private constructor(private readonly opts: SpawnOptions) {
    opts.control.on("message", this.onMessage);
  }

  static async spawn(opts: SpawnOptions): Promise<RoleSet> {
    const set = new RoleSet(opts);
    for (const cfg of opts.configs) set.start(cfg, opts.launcher);
    try {
      await set.waitAll(set.roles, "configured", null, opts.helloTimeoutMs, "to start and connect to the runner");
    } catch (err) {
      await set.kill();
      throw err;
    }
    return set;
  }

  /** One more role process (a fault that adds a consumer mid-run); resolves once it is configured. */
  async add(cfg: RoleConfig): Promise<RoleHandle> {
    const h = this.start(cfg, undefined);
    this.changed = true;
    await this.waitAll([h], "configured", null, this.opts.helloTimeoutMs, "to start and connect to the runner");
    return h;
  }

  private start(cfg: RoleConfig, launcher: Launcher | undefined): RoleHandle {
    fs.mkdirSync(cfg.workDir, { recursive: true });
    const logFile = this.opts.logFile(cfg);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.openSync(logFile, "a");
    const control = this.opts.control;
    // --run names the run on the command line: `ps` (and the tests) can tell which run a role belongs to.
    const entry = [...nodeEntryArgs(__filename, "../roles/role-main"), "--connect", control.address, "--role", cfg.roleId, "--token", control.token, "--run", cfg.runId];
    const counted = this.opts.preciseCoverage?.(cfg) ?? false;
    if (counted) entry.push("--precise-coverage");
    const { command, args } = launcher ? launcher(cfg, entry) : { command: process.execPath, args: counted ? ["--no-opt", ...entry] : entry };
    const child = spawn(command, args, { stdio: ["ignore", log, log], env: { ...process.env, ...this.opts.env } });
    fs.closeSync(log);
    const handle: RoleHandle = {
      roleId: cfg.roleId,
      kind: cfg.kind,
      index: cfg.index,
      child,
      logFile,
      exited: null,
      progress: EMPTY_PROGRESS(),
      seen: new Set(),
      assigned: [],
      errors: [],
      config: cfg,
      clockOffsetMs: 0,
      results: new Map(),
      receipts: new Map(),
    };
    child.on("exit", (code, signal) => {
      handle.exited = { code, signal };
      this.notify();
    });
    child.on("error", (err) => {
      handle.exited = { code: -1, signal: null };
      handle.errors.push({ rep: null, code: "SPAWN_FAILED", message: err.message, fatal: true });
      this.notify();
    });
    this.roles.push(handle);
    return handle;
  }

  private onMessage = (msg: Received): void => {
    const h = this.roles.find((r) => r.roleId === msg.roleId);
    if (!h) return;
    const rep = "rep" in msg ? msg.rep : null;
    h.seen.add(`${msg.type}:${rep ?? ""}`);
    switch (msg.type) {
      case "hello":
        // Clock: the same boot id means the same CLOCK_MONOTONIC (offset 0, exactly); else one ping estimates it.
        if (msg.bootId !== null && msg.bootId === this.myBootId) this.configure(h, 0);
        else this.opts.control.send(h.roleId, { type: "ping", t0: monoMs() });
        break;
      case "pong":
        this.configure(h, msg.t1 - (msg.t0 + monoMs()) / 2);
        break;
      case "progress":
        h.progress = { ...h.progress, ...definedOf(msg) };
        break;
      case "assigned":
        h.assigned = msg.partitions;
        break;
      case "error":
        h.errors.push({ rep: msg.rep, code: msg.code, message: msg.message, fatal: msg.fatal });
        break;
      case "receipts":
        if (msg.body) (h.receipts.get(msg.rep) ?? h.receipts.set(msg.rep, []).get(msg.rep)!).push(msg.body);
        break;
      case "result":
        h.results.set(msg.rep, { result: msg.result, attachments: splitAttachments(msg.body, msg.attachments) });
        break;
    }
    this.notify();
  };

  private configure(h: RoleHandle, clockOffsetMs: number): void {
    h.clockOffsetMs = clockOffsetMs;
    this.opts.control.send(h.roleId, { type: "configure", config: h.config, clockOffsetMs });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  get producers(): RoleHandle[] {
    return this.roles.filter((r) => r.kind === "producer");
  }

  get consumers(): RoleHandle[] {
    return this.roles.filter((r) => r.kind === "consumer");
  }

  send(roles: RoleHandle[], msg: RunnerMessage): void {
    for (const r of roles) this.opts.control.send(r.roleId, msg);
  }

  /** Reset per-repetition progress before a new repetition. */
  resetProgress(): void {
    for (const r of this.roles) {
      r.progress = EMPTY_PROGRESS();
      r.assigned = [];
    }
  }

  /**
   * Wait until every role in `roles` sent `type` for `rep`. Rejects with RoleFailure when one of them
   * reports a fatal error for this repetition or exits, and with TimeoutError naming the missing roles.
   * `extra` may be checked on every event to end the wait early (returns true) or fail it (throws).
   */
  waitAll(roles: RoleHandle[], type: string, rep: number | null, timeoutMs: number, what: string, extra?: () => boolean): Promise<void> {
    const key = `${type}:${rep ?? ""}`;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        try {
          for (const r of roles) {
            const fatal = r.errors.find((e) => e.fatal && (e.rep === rep || e.rep === null));
            if (fatal) return done(new RoleFailure(r.roleId, `${r.roleId} failed: ${fatal.message}`, INPUT_CODES.has(fatal.code)));
            if (r.exited && !r.seen.has(key)) return done(this.exitFailure(r, what));
          }
          if (extra?.()) return done();
          if (roles.every((r) => r.seen.has(key))) return done();
        } catch (err) {
          done(err);
        }
      };
      const timer = setTimeout(() => {
        const missing = roles.filter((r) => !r.seen.has(key)).map((r) => r.roleId);
        done(new TimeoutError(`${missing.join(", ")} ${what}`, timeoutMs));
      }, timeoutMs);
      this.listeners.push(check);
      check();
    });
  }

  /** Calls `fn` on every control event until the returned function is called. */
  onEvent(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  exitFailure(r: RoleHandle, what: string): RoleFailure {
    const how = r.exited!.signal ? `was killed by ${r.exited!.signal}` : `exited with code ${r.exited!.code}`;
    const tail = tailFile(r.logFile, 5).split("\n").filter(Boolean).slice(-2).join(" | ");
    return new RoleFailure(r.roleId, `${r.roleId} (pid ${r.child.pid}) ${how} while waiting for it ${what}${tail ? `: ${tail}` : ""} (log: ${r.logFile})`);
  }

  /** Roles that exited although nobody asked them to. */
  unexpectedExits(): RoleHandle[] {
    return this.closing ? [] : this.roles.filter((r) => r.exited !== null);
  }

  /** Ask every role to exit, wait up to `timeoutMs`, then kill what is left. */
  async close(timeoutMs = 15_000): Promise<void> {
    this.closing = true;
    this.send(this.roles.filter((r) => !r.exited), { type: "exit" });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.roles.some((r) => !r.exited && isAlive(r.child.pid))) await sleep(50);
    await this.kill();
  }

  /** SIGKILL every role process still running and wait for them to be gone. */
  async kill(): Promise<void> {
    this.closing = true;
    await Promise.all(this.roles.filter((r) => !r.exited && r.child.pid).map((r) => terminate(r.child.pid!, { signal: "SIGKILL", timeoutMs: 5000 })));
    this.opts.control.off("message", this.onMessage);
  }

  /** Kill one role abruptly (a fault): it is not expected back in this repetition. */
  async killRole(r: RoleHandle): Promise<void> {
    this.changed = true;
    if (r.child.pid) await terminate(r.child.pid, { signal: "SIGKILL", timeoutMs: 5000 });
  }
}

function definedOf(msg: Extract<Received, { type: "progress" }>): Partial<RoleHandle["progress"]> {
  const out: Partial<RoleHandle["progress"]> = {};
  for (const k of ["sent", "acked", "failed", "received", "buffered", "positions", "atMs", "error", "errorCode"] as const) if (msg[k] !== undefined) (out as Record<string, unknown>)[k] = msg[k];
  return out;
}

function splitAttachments(body: Buffer | null, infos: Array<{ name: string; bytes: number }>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  let at = 0;
  for (const a of infos) {
    out[a.name] = body ? body.subarray(at, at + a.bytes) : Buffer.alloc(0);
    at += a.bytes;
  }
  return out;
}
