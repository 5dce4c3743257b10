import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { PerfLabError, TimeoutError } from "../errors";
import { isAlive, tailFile, terminate } from "../util/process";
import { nodeEntryArgs } from "../util/node-entry";
import type { ControlServer, RoleMessage, RunnerMessage } from "../roles/control";
import type { RoleConfig } from "../roles/role-config";

/** A role process as the runner tracks it. */
export interface RoleHandle {
  roleId: string;
  kind: "producer" | "consumer";
  index: number;
  child: ChildProcess;
  logFile: string;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Last progress report of the current repetition. */
  progress: { sent: number; acked: number; failed: number; consumed: number; positions: Record<string, number>; error?: string };
  /** "type:rep" of every message received, for the waits. */
  seen: Set<string>;
  assigned: number[];
  errors: Array<{ rep: number | null; code: string; message: string; fatal: boolean }>;
  config: RoleConfig;
}

export interface SpawnOptions {
  control: ControlServer;
  configs: RoleConfig[];
  configDir: string;
  logsDir: string;
  env: Record<string, string>;
  launcher?: RoleLauncher;
  helloTimeoutMs: number;
}

/** How to start a role process: the lab's role entry, possibly wrapped (0x for flamegraphs). */
export type RoleLauncher = (role: RoleConfig, entryArgs: string[]) => { command: string; args: string[] };

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

const INPUT_CODES = new Set(["USER_MODULE_MISSING", "USER_MODULE_FAILED", "USER_MODULE_EXPORT", "BAD_OPTION", "BAD_COMPRESSION", "SCRIPT_NO_CONSUMER"]);

/**
 * The producer and consumer processes of one configuration. Spawns them, routes their control messages,
 * and offers waits that end in one of three ways: every role answered, a role failed (its error or its
 * unexpected exit, with the last lines of its log), or the timeout — never a hang.
 */
export class RoleSet {
  readonly roles: RoleHandle[] = [];
  private listeners: Array<() => void> = [];
  private closing = false;

  private constructor(
    private readonly control: ControlServer,
    private readonly opts: SpawnOptions,
  ) {
    control.on("message", this.onMessage);
  }

  static async spawn(opts: SpawnOptions): Promise<RoleSet> {
    const set = new RoleSet(opts.control, opts);
    for (const cfg of opts.configs) set.start(cfg, opts.launcher);
    try {
      await set.waitAll(set.roles, "hello", null, opts.helloTimeoutMs, "to start and connect to the runner");
    } catch (err) {
      await set.kill();
      throw err;
    }
    return set;
  }

  /** One more role process (a fault that adds a consumer mid-run); resolves once it is connected. */
  async add(cfg: RoleConfig): Promise<RoleHandle> {
    const h = this.start(cfg, undefined);
    this.changed = true;
    await this.waitAll([h], "hello", null, this.opts.helloTimeoutMs, "to start and connect to the runner");
    return h;
  }

  /** True once roles were added or killed on purpose: the next repetition needs a fresh set. */
  changed = false;

  private start(cfg: RoleConfig, launcher: RoleLauncher | undefined): RoleHandle {
    fs.mkdirSync(cfg.workDir, { recursive: true });
    fs.mkdirSync(this.opts.configDir, { recursive: true });
    fs.mkdirSync(this.opts.logsDir, { recursive: true });
    const configFile = path.join(this.opts.configDir, `${cfg.roleId}.json`);
    fs.writeFileSync(configFile, JSON.stringify(cfg, null, 2));
    const logFile = path.join(this.opts.logsDir, `${cfg.configId}-${cfg.roleId}.log`);
    const log = fs.openSync(logFile, "a");
    const entry = [...nodeEntryArgs(__filename, "../roles/role-main"), configFile];
    const { command, args } = launcher ? launcher(cfg, entry) : { command: process.execPath, args: entry };
    const child = spawn(command, args, { stdio: ["ignore", log, log], env: { ...process.env, ...this.opts.env } });
    fs.closeSync(log);
    const handle: RoleHandle = {
      roleId: cfg.roleId,
      kind: cfg.kind,
      index: cfg.index,
      child,
      logFile,
      exited: null,
      progress: { sent: 0, acked: 0, failed: 0, consumed: 0, positions: {} },
      seen: new Set(),
      assigned: [],
      errors: [],
      config: cfg,
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

  private onMessage = (msg: RoleMessage): void => {
    const h = this.roles.find((r) => r.roleId === msg.roleId);
    if (!h) return;
    const rep = "rep" in msg ? msg.rep : null;
    h.seen.add(`${msg.type}:${rep ?? ""}`);
    if (msg.type === "progress") {
      h.progress = {
        sent: msg.sent ?? h.progress.sent,
        acked: msg.acked ?? h.progress.acked,
        failed: msg.failed ?? h.progress.failed,
        consumed: msg.consumed ?? h.progress.consumed,
        positions: msg.positions ?? h.progress.positions,
        error: msg.error ?? h.progress.error,
      };
    } else if (msg.type === "assigned") {
      h.assigned = msg.partitions;
    } else if (msg.type === "error") {
      h.errors.push({ rep: msg.rep, code: msg.code, message: msg.message, fatal: msg.fatal });
    }
    this.notify();
  };

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
    for (const r of roles) this.control.send(r.roleId, msg);
  }

  /** Reset per-repetition progress before a new repetition. */
  resetProgress(): void {
    for (const r of this.roles) {
      r.progress = { sent: 0, acked: 0, failed: 0, consumed: 0, positions: {} };
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
      let timer: NodeJS.Timeout | undefined;
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
      timer = setTimeout(() => {
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
    while (Date.now() < deadline && this.roles.some((r) => !r.exited && isAlive(r.child.pid))) await new Promise((res) => setTimeout(res, 50));
    await this.kill();
  }

  /** SIGKILL every role process still running and wait for them to be gone. */
  async kill(): Promise<void> {
    this.closing = true;
    await Promise.all(this.roles.filter((r) => !r.exited && r.child.pid).map((r) => terminate(r.child.pid!, { signal: "SIGKILL", timeoutMs: 5000 })));
    this.control.off("message", this.onMessage);
  }

  /** Kill one role abruptly (a fault): it is not expected back in this repetition. */
  async killRole(r: RoleHandle): Promise<void> {
    this.changed = true;
    if (r.child.pid) await terminate(r.child.pid, { signal: "SIGKILL", timeoutMs: 5000 });
  }
}
