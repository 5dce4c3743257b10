/**
 * Entry of a role process: `node role-main.js <role-config.json>`. Connects to the runner's control
 * socket and then, per repetition: prepare → ready/assigned → start → (finished) → stop → result.
 * Exits when the runner says so — or when the runner's socket closes, so a role never outlives its runner.
 */
import "./source-maps";
import fs from "node:fs";
import { errorMessage, PerfLabError } from "../errors";
import { writeJsonAtomic } from "../paths";
import { connectionFromChild } from "../kafka/connection";
import { initHistograms, monoMs } from "../metrics";
import { setRoleContext, type RegisteredClient, type RoleContext } from "../workload/context";
import { ControlClient, type RunnerMessage } from "./control";
import { ProcessSampler } from "./process-stats";
import type { RoleConfig, RoleRepResult } from "./role-config";
import { ProducerDriver } from "./producer-driver";
import { ConsumerDriver } from "./consumer-driver";
import { Collectors } from "../profiling/collectors";

export interface RoleDriver {
  /** Set up for a repetition; resolves when the role is ready (producer connected / consumer assigned). */
  prepare(ctx: RoleContext): Promise<{ partitions?: number[]; joinMs?: number }>;
  /** Run the workload (producers) or just let messages flow (consumers). Resolves when a producer is done. */
  start(ctx: RoleContext): Promise<void>;
  /** Stop and collect snapshots of what was measured in this repetition. */
  stop(ctx: RoleContext): Promise<{ producers: RoleRepResult["producers"]; consumers: RoleRepResult["consumers"] }>;
  progress(): Record<string, unknown>;
  close(): Promise<void>;
}

interface RepState {
  rep: number;
  repKind: string;
  resultFile: string;
  ctx: RoleContext;
  abort: AbortController;
  collectors: Collectors | null;
  progressTimer: NodeJS.Timeout | null;
  error: { code: string; message: string } | null;
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new PerfLabError("ROLE_USAGE", "usage: role-main <role-config.json>");
  const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as RoleConfig;
  await initHistograms();
  const control = await ControlClient.connect(config.controlSocket, config.roleId);
  // The runner is gone (crashed, killed): nobody will collect our results, so leave at once.
  control.on("close", () => process.exit(3));
  const connection = connectionFromChild(config.connection);
  let driver: RoleDriver;
  try {
    driver = config.kind === "producer" ? new ProducerDriver(config) : new ConsumerDriver(config);
  } catch (err) {
    // The user's module did not load: tell the runner (one line naming the file), then leave.
    const code = err instanceof PerfLabError ? err.code : "ROLE_FAILED";
    control.send({ type: "error", roleId: config.roleId, rep: null, code, message: errorMessage(err), fatal: true });
    await control.close();
    process.exit(2);
  }
  const sampler = new ProcessSampler(monoMs(), config.seriesIntervalMs);
  let state: RepState | null = null;
  let nextProducerIndex = config.index * 16;

  const fail = (rep: number | null, err: unknown, fatal: boolean) => {
    const code = err instanceof PerfLabError ? err.code : ((err as { name?: string })?.name ?? "ERROR");
    if (state) state.error = { code, message: errorMessage(err) };
    control.send({ type: "error", roleId: config.roleId, rep, code, message: errorMessage(err), fatal });
  };

  const onMessage = async (msg: RunnerMessage): Promise<void> => {
    switch (msg.type) {
      case "prepare": {
        const registered: RegisteredClient[] = [];
        const abort = new AbortController();
        const ctx: RoleContext = {
          roleId: config.roleId,
          kind: config.kind,
          index: config.index,
          runId: config.runId,
          configId: config.configId,
          rep: msg.rep,
          topic: msg.topic,
          groupId: msg.groupId,
          connection,
          messages: config.workload.messages,
          durationSec: config.workload.durationSec,
          originMs: monoMs(),
          signal: abort.signal,
          producerIndexBase: config.index * 16,
          recordRaw: config.recordRaw,
          workDir: config.workDir,
          seriesIntervalMs: config.seriesIntervalMs,
          journalFile: msg.resultFile.replace(/\.json$/, ".receipts"),
          register: (entry) => registered.push(entry),
          allocateProducerIndex: () => nextProducerIndex++,
          log: (line) => process.stderr.write(`[${config.roleId}] ${line}\n`),
        };
        (ctx as RoleContext & { registered: RegisteredClient[] }).registered = registered;
        setRoleContext(ctx);
        state = { rep: msg.rep, repKind: msg.repKind, resultFile: msg.resultFile, ctx, abort, collectors: null, progressTimer: null, error: null };
        try {
          if (msg.profile) state.collectors = await Collectors.create(msg.profile);
          const r = await driver.prepare(ctx);
          if (config.kind === "consumer") {
            control.send({ type: "assigned", roleId: config.roleId, rep: msg.rep, partitions: r.partitions ?? [], joinMs: r.joinMs ?? 0 });
          } else {
            control.send({ type: "ready", roleId: config.roleId, rep: msg.rep });
          }
        } catch (err) {
          fail(msg.rep, err, true);
        }
        return;
      }
      case "start": {
        if (!state || state.rep !== msg.rep) return;
        const s: RepState = state;
        s.ctx.originMs = msg.originMs;
        sampler.start(s.ctx.originMs);
        s.progressTimer = setInterval(() => control.send({ type: "progress", roleId: config.roleId, rep: s.rep, ...driver.progress() }), 1000);
        s.progressTimer.unref();
        try {
          await s.collectors?.start();
          await driver.start(s.ctx);
          if (config.kind === "producer") control.send({ type: "finished", roleId: config.roleId, rep: s.rep });
        } catch (err) {
          fail(s.rep, err, false);
          if (config.kind === "producer") control.send({ type: "finished", roleId: config.roleId, rep: s.rep });
        }
        return;
      }
      case "stop": {
        if (!state || state.rep !== msg.rep) return;
        const s: RepState = state;
        s.abort.abort();
        if (s.progressTimer) clearInterval(s.progressTimer);
        let snapshots: Awaited<ReturnType<RoleDriver["stop"]>> = { producers: [], consumers: [] };
        try {
          snapshots = await driver.stop(s.ctx);
        } catch (err) {
          fail(s.rep, err, false);
        }
        control.send({ type: "progress", roleId: config.roleId, rep: s.rep, ...driver.progress() });
        const profile = s.collectors ? await s.collectors.stop() : null;
        const result: RoleRepResult = {
          version: 1,
          roleId: config.roleId,
          kind: config.kind,
          index: config.index,
          pid: process.pid,
          configId: config.configId,
          rep: s.rep,
          repKind: s.repKind,
          state: s.error ? "errored" : "completed",
          error: s.error,
          producers: snapshots.producers,
          consumers: snapshots.consumers,
          process: sampler.stop(),
          profile,
        };
        writeJsonAtomic(s.resultFile, result);
        control.send({ type: "result", roleId: config.roleId, rep: s.rep, file: s.resultFile });
        state = null;
        setRoleContext(null);
        return;
      }
      case "exit":
        return; // handled at once, outside the queue (see below)
    }
  };
  // Messages are handled one after another: a stop never overtakes the start it belongs to.
  let queue: Promise<void> = Promise.resolve();
  const exit = async (): Promise<void> => {
    // The runner is done with us. Let a pending stop finish briefly, close politely, but never hang on a
    // stuck handler or source: bounded waits, then leave.
    const bounded = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
    await bounded(queue, 2000);
    await bounded(driver.close().catch((err) => process.stderr.write(`[${config.roleId}] close: ${errorMessage(err)}\n`)), 3000);
    await bounded(control.close(), 1000);
    process.exit(0);
  };
  control.on("message", (msg: RunnerMessage) => {
    if (msg.type === "exit") return void exit();
    if (msg.type === "stop" && state && state.rep === msg.rep) state.abort.abort(); // interrupt a running start at once
    queue = queue.then(() => onMessage(msg)).catch((err) => fail(null, err, true));
  });
}

// Ctrl-C in a terminal (or a notebook interrupt) reaches the whole process group: the runner decides how
// roles stop (stop → results → exit), so a role does not die on SIGINT and lose what it measured.
process.on("SIGINT", () => undefined);

main().catch((err) => {
  process.stderr.write(`perflab role: ${errorMessage(err)}\n`);
  process.exit(1);
});
