/**
 * The warm/cold rule, in one place. A configuration's repetitions run in the same role processes, so the
 * first one (rep 1, whatever its kind) is *cold*: it pays for connections, metadata, the consumer group's
 * first join and JIT warm-up. Statistics are made of the *warm* repetitions: measured, completed, not cold.
 * With `warmup ≥ 1` the cold run is a warm-up repetition; with `warmup: 0` it is the first measured one,
 * reported apart.
 */
export interface RepLike {
  rep: number;
  kind: string;
  state: string;
}

export function isCold(r: Pick<RepLike, "rep">): boolean {
  return r.rep === 1;
}

export function isWarm(r: RepLike): boolean {
  return r.kind === "measured" && r.state === "completed" && !isCold(r);
}

/** Warm repetitions: measured, completed, not the cold first one. */
export function warmRows<T extends RepLike>(rows: T[]): T[] {
  return rows.filter(isWarm);
}

/** The completed cold repetition of one configuration's rows, or null. */
export function coldRow<T extends RepLike>(rows: T[]): T | null {
  return rows.find((r) => isCold(r) && r.state === "completed") ?? null;
}
