import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import { encodeFrame, FrameReader } from "./frames";
import type { RoleConfig } from "./role-config";
import type { RoleRepResult } from "../results/role-result";
import type { ProfileRequest } from "../profiling/collectors";

/**
 * The control channel between the runner and its role processes: framed messages (frames.ts) over TCP.
 * Nothing in it assumes the role runs on the runner's host: a role is started with only the runner's
 * address, its id and a token; it gets its configuration, sends its results and receipts, and learns the
 * offset between its clock and the runner's over the channel. (Not fork()'s IPC channel: a role may run
 * under a wrapper that does not pass IPC through, as 0x spawns the profiled process itself.)
 */

/** A binary attachment of a message: `bytes` of the frame's body, in order. */
export interface AttachmentInfo {
  name: string;
  bytes: number;
}

/** Messages a role sends to the runner. */
export type RoleMessage =
  | { type: "hello"; roleId: string; pid: number; token: string; host: string; bootId: string | null }
  | { type: "pong"; roleId: string; t0: number; t1: number }
  | { type: "configured"; roleId: string }
  | { type: "ready"; roleId: string; rep: number }
  | { type: "assigned"; roleId: string; rep: number; partitions: number[]; joinMs: number }
  /** `atMs`: when the role made the report, ms on the runner's clock (its own clock minus the offset it was given). */
  | { type: "progress"; roleId: string; rep: number; atMs: number; sent?: number; acked?: number; failed?: number; received?: number; buffered?: number; positions?: Record<string, number>; error?: string; errorCode?: string }
  | { type: "finished"; roleId: string; rep: number }
  /** Receipt journal records (the body), sent before each offset commit. */
  | { type: "receipts"; roleId: string; rep: number }
  | { type: "result"; roleId: string; rep: number; result: RoleRepResult; attachments: AttachmentInfo[] }
  | { type: "error"; roleId: string; rep: number | null; code: string; message: string; fatal: boolean };

/** Messages the runner sends to a role. */
export type RunnerMessage =
  | { type: "ping"; t0: number }
  | { type: "configure"; config: RoleConfig; clockOffsetMs: number }
  | { type: "prepare"; rep: number; repKind: string; topic: string; groupId: string | null; profile: ProfileRequest | null }
  | { type: "start"; rep: number; originMs: number }
  | { type: "stop"; rep: number }
  | { type: "exit" };

/** A received role message with its body (null when it has none). */
export type Received = RoleMessage & { body: Buffer | null };

/** This host's boot id: two processes with the same one share CLOCK_MONOTONIC (Linux; null elsewhere). */
export function bootId(): string | null {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null; // no /proc: clocks are compared by the ping exchange instead
  }
}

/** Runner side. Emits "message" (Received), "disconnect" (roleId) and "rejected" (reason). */
export class ControlServer extends EventEmitter {
  readonly token = crypto.randomBytes(16).toString("hex");
  private readonly sockets = new Map<string, net.Socket>();

  private constructor(private readonly server: net.Server) {
    super();
  }

  /** Listen on loopback (default) or another interface of this host; port 0 picks a free one. */
  static async listen(opts: { host?: string; port?: number } = {}): Promise<ControlServer> {
    const server = net.createServer();
    const control = new ControlServer(server);
    server.on("connection", (socket) => control.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
    return control;
  }

  /** "host:port" a role connects to. */
  get address(): string {
    const a = this.server.address() as net.AddressInfo;
    return `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    let roleId: string | null = null;
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch {
        this.emit("rejected", "a malformed frame");
        return void socket.destroy();
      }
      for (const { header, body } of frames) {
        const msg = header as RoleMessage;
        if (roleId === null) {
          if (msg.type !== "hello" || msg.token !== this.token) {
            this.emit("rejected", `a connection that did not present the run's token`);
            return void socket.destroy();
          }
          roleId = msg.roleId;
          this.sockets.set(roleId, socket);
        }
        this.emit("message", { ...msg, body } as Received);
      }
    });
    socket.on("close", () => {
      if (roleId && this.sockets.get(roleId) === socket) {
        this.sockets.delete(roleId);
        this.emit("disconnect", roleId);
      }
    });
    socket.on("error", () => socket.destroy());
  }

  /** Send to one role; false if it is not connected. */
  send(roleId: string, msg: RunnerMessage): boolean {
    const s = this.sockets.get(roleId);
    if (!s || s.destroyed) return false;
    writeFrame(s, encodeFrame(msg));
    return true;
  }

  connected(roleId: string): boolean {
    return this.sockets.has(roleId);
  }

  async close(): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Role side. Emits "message" (RunnerMessage) and "close". */
export class ControlClient extends EventEmitter {
  private constructor(private readonly socket: net.Socket) {
    super();
  }

  static connect(address: string, roleId: string, token: string): Promise<ControlClient> {
    const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(address);
    if (!m) return Promise.reject(new Error(`bad runner address ${address} (host:port)`));
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: m[1]!, port: Number(m[2]) });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        const client = new ControlClient(socket);
        const reader = new FrameReader();
        socket.on("data", (chunk: Buffer) => {
          for (const f of reader.push(chunk)) client.emit("message", f.header as RunnerMessage);
        });
        socket.on("close", () => client.emit("close"));
        socket.on("error", () => socket.destroy());
        void client.send({ type: "hello", roleId, pid: process.pid, token, host: os.hostname(), bootId: bootId() });
        resolve(client);
      });
    });
  }

  /**
   * Send a message (with an optional body). Resolves once the bytes are handed to the kernel: after that
   * they reach the runner even if this process is killed, which is what receipts before a commit need.
   */
  send(msg: RoleMessage, body?: Uint8Array | null): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    const parts = encodeFrame(msg, body);
    return new Promise((resolve) => {
      writeFrame(this.socket, parts, () => resolve());
      // Nothing left in the socket's own buffer: the write went to the kernel just now (libuv writes at once
      // when it can), so the bytes are safe from this process dying already — no need to wait a turn.
      if (this.socket.writableLength === 0) resolve();
    });
  }

  /** Flush pending writes, then close. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.end(() => resolve());
    });
  }
}

/**
 * Write a frame's parts: a small frame as one buffer — one write, one system call instead of three (receipt
 * journals go out before every commit, so with per-message commits this is per message); a large one (results
 * with their typed arrays) part by part, without copying its body.
 */
function writeFrame(socket: net.Socket, parts: Buffer[], done?: () => void): void {
  const bytes = parts.reduce((n, p) => n + p.length, 0);
  if (bytes <= 64 * 1024) {
    socket.write(Buffer.concat(parts, bytes), done);
    return;
  }
  for (let i = 0; i < parts.length - 1; i++) socket.write(parts[i]!);
  socket.write(parts[parts.length - 1]!, done);
}
