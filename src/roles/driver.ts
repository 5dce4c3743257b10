import type { RoleRepResult } from "../results/role-result";
import type { RegisteredClient, RoleContext } from "../workload/context";

/** What a role does, per repetition; the built-in producer and consumer drivers implement it. */
export interface RoleDriver {
  /** Set up for a repetition; resolves when the role is ready (producer connected / consumer assigned). */
  prepare(ctx: RoleContext): Promise<{ partitions?: number[]; joinMs?: number }>;
  /** Run the workload (producers) or just let messages flow (consumers). Resolves when a producer is done. */
  start(ctx: RoleContext): Promise<void>;
  /** Stop and collect what was measured in this repetition (binary attachments beside the snapshots). */
  stop(ctx: RoleContext): Promise<DriverResult>;
  progress(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface DriverResult {
  producers: RoleRepResult["producers"];
  consumers: RoleRepResult["consumers"];
  /** Binary records by name; offset records are `offsets.p<i>` / `offsets.c<i>` for producers[i] / consumers[i]. */
  attachments?: Record<string, Uint8Array>;
}

/** Name of an attachment (`offsets`, `content`) of the i-th producer or consumer snapshot of a result. */
export function attachmentName(name: string, kind: "producer" | "consumer", index: number): string {
  return `${name}.${kind === "producer" ? "p" : "c"}${index}`;
}

/** Name of the offset records attachment of the i-th producer or consumer snapshot of a result. */
export function offsetsAttachment(kind: "producer" | "consumer", index: number): string {
  return attachmentName("offsets", kind, index);
}

/** A client's records (`{ offsets, content? }`) under their names for the i-th snapshot. */
export function namedAttachments(kind: "producer" | "consumer", index: number, records: Record<string, Uint8Array>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(records).map(([name, data]) => [attachmentName(name, kind, index), data]));
}

/** The instrumented clients a user's script created in this repetition, as a driver result. */
export function collectRegistered(ctx: RoleContext, kind: "producer" | "consumer"): DriverResult {
  const registered = (ctx as RoleContext & { registered: RegisteredClient[] }).registered.filter((r) => r.kind === kind);
  const attachments: Record<string, Uint8Array> = {};
  registered.forEach((r, i) => Object.assign(attachments, namedAttachments(kind, i, r.attachments?.() ?? {})));
  const snapshots = registered.map((r) => r.snapshot());
  return kind === "producer" ? { producers: snapshots as DriverResult["producers"], consumers: [], attachments } : { producers: [], consumers: snapshots as DriverResult["consumers"], attachments };
}
