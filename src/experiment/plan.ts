import crypto from "node:crypto";
import type { ProfileRequest } from "../profiling/collectors";
import type { RepKind } from "../results/model";
import type { Configuration } from "../spec";

/** Which role processes a repetition runs in: the configuration's own, or fresh ones for a collector. */
export type RoleMode = "normal" | "calls" | "flamegraph";

export interface RepPlan {
  number: number;
  kind: RepKind;
  /** In-process collectors for profile / calls repetitions. */
  profile: ProfileRequest | null;
  /** Roles profiled in this repetition. */
  profileRoles: Array<"producer" | "consumer">;
  /**
   * "calls": fresh processes started with precise coverage and the optimizing compiler off (exact call
   * counts); "flamegraph": fresh processes under 0x; "normal": the configuration's processes.
   */
  roleMode: RoleMode;
}

/** A readable, sortable, unique run id: 20261122-141503-<name>-<4 hex>. */
export function newRunId(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${name}-${crypto.randomBytes(2).toString("hex")}`;
}

/** The plan of one configuration's repetitions: warm-up, measured, then profiling repetitions. */
export function planRepetitions(c: Configuration): RepPlan[] {
  const s = c.spec;
  const plans: RepPlan[] = [];
  let n = 1;
  const plain = (kind: RepKind): RepPlan => ({ number: n++, kind, profile: null, profileRoles: [], roleMode: "normal" });
  for (let i = 0; i < s.warmup; i++) plans.push(plain("warmup"));
  for (let i = 0; i < s.repetitions; i++) plans.push(plain("measured"));
  const p = s.profile;
  const base = { samplingIntervalUs: p.samplingIntervalUs, heapSamplingBytes: p.heapSamplingBytes };
  if (p.cpu || p.heap) plans.push({ number: n++, kind: "profile", profile: { ...base, cpu: p.cpu, heap: p.heap, calls: false }, profileRoles: p.roles, roleMode: "normal" });
  if (p.calls) plans.push({ number: n++, kind: "calls", profile: { ...base, cpu: false, heap: false, calls: true }, profileRoles: p.roles, roleMode: "calls" });
  if (p.flamegraph) plans.push({ number: n++, kind: "flamegraph", profile: null, profileRoles: p.roles, roleMode: "flamegraph" });
  return plans;
}
