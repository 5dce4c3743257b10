import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { EventEmitter } from "node:events";

/**
 * The control channel between the runner and its role processes: newline-delimited JSON over a Unix
 * domain socket (a named pipe on Windows). Not fork()'s IPC channel, because a role may run under a
 * wrapper that does not pass IPC through (0x spawns the profiled process itself).
 */

/** Messages a role sends to the runner. */
export type RoleMessage =
  | { type: "hello"; roleId: string; pid: number }
  | { type: "ready"; roleId: string; rep: number }
  | { type: "assigned"; roleId: string; rep: number; partitions: number[]; joinMs: number }
  | { type: "progress"; roleId: string; rep: number; sent?: number; acked?: number; failed?: number; consumed?: number; positions?: Record<string, number>; error?: string }
  | { type: "finished"; roleId: string; rep: number }
  | { type: "result"; roleId: string; rep: number; file: string }
  | { type: "error"; roleId: string; rep: number | null; code: string; message: string; fatal: boolean };

/** Messages the runner sends to a role. */
export type RunnerMessage =
  | { type: "prepare"; rep: number; repKind: string; topic: string; groupId: string | null; resultFile: string; profile: ProfileRequest | null }
  | { type: "start"; rep: number; originMs: number }
  | { type: "stop"; rep: number }
  | { type: "exit" };

/** Which in-process collectors a repetition runs (the profiling issue fills this in). */
export interface ProfileRequest {
  cpu: boolean;
  heap: boolean;
  calls: boolean;
  samplingIntervalUs: number;
  heapSamplingBytes: number;
  /** Base path for profile files: `<base>.cpuprofile`, `<base>.heapprofile`, `<base>.calls.json`. */
  outputBase: string;
}

export function newSocketPath(): string {
  const name = `perflab-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return process.platform === "win32" ? `\\\\.\\pipe\\${name}` : path.join(os.tmpdir(), `${name}.sock`);
}

function lineReader(socket: net.Socket, onMessage: (msg: unknown) => void, onBadLine: (line: string) => void): void {
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!line.trim()) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        onBadLine(line);
        continue;
      }
      onMessage(msg);
    }
  });
}

/** Runner side. Emits "message" (RoleMessage) and "disconnect" (roleId). */
export class ControlServer extends EventEmitter {
  readonly socketPath: string;
  private readonly server: net.Server;
  private readonly sockets = new Map<string, net.Socket>();

  private constructor(socketPath: string, server: net.Server) {
    super();
    this.socketPath = socketPath;
    this.server = server;
  }

  static async listen(socketPath: string = newSocketPath()): Promise<ControlServer> {
    const server = net.createServer();
    const control = new ControlServer(socketPath, server);
    server.on("connection", (socket) => control.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    return control;
  }

  private accept(socket: net.Socket): void {
    let roleId: string | null = null;
    lineReader(
      socket,
      (raw) => {
        const msg = raw as RoleMessage;
        if (msg.type === "hello") {
          roleId = msg.roleId;
          this.sockets.set(roleId, socket);
        }
        this.emit("message", msg);
      },
      (line) => this.emit("badline", line),
    );
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
    s.write(JSON.stringify(msg) + "\n");
    return true;
  }

  connected(roleId: string): boolean {
    return this.sockets.has(roleId);
  }

  async close(): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (process.platform !== "win32") fs.rmSync(this.socketPath, { force: true });
  }
}

/** Role side. Emits "message" (RunnerMessage) and "close". */
export class ControlClient extends EventEmitter {
  private constructor(private readonly socket: net.Socket) {
    super();
  }

  static connect(socketPath: string, roleId: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        const client = new ControlClient(socket);
        lineReader(
          socket,
          (msg) => client.emit("message", msg as RunnerMessage),
          () => undefined, // the runner only sends JSON; a bad line cannot happen short of memory corruption
        );
        socket.on("close", () => client.emit("close"));
        socket.on("error", () => socket.destroy());
        client.send({ type: "hello", roleId, pid: process.pid });
        resolve(client);
      });
    });
  }

  send(msg: RoleMessage): void {
    if (!this.socket.destroyed) this.socket.write(JSON.stringify(msg) + "\n");
  }

  /** Flush pending writes, then close. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.end(() => resolve());
    });
  }
}
