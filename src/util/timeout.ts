/**
 * The lab's one timeout and abort module (as kafkajs has one retry module): every wait in the lab goes
 * through these, so every wait has a limit and says what it waited for when it runs out.
 */
import { PerfLabError, TimeoutError } from "../errors";

/** Resolves after `ms`; with a signal, resolves early (never rejects) when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** `p`, or a TimeoutError naming `what` after `ms`. The timer never keeps the process alive on its own. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref?.();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Wait for `p` at most `ms` and never throw: true when it settled in time (either way), false otherwise.
 * For best-effort clean-up on the way out (close a client, let a pending write finish).
 */
export function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    p.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}

/** `p`, or an INTERRUPTED PerfLabError as soon as `signal` aborts (the work behind `p` is not cancelled). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(interrupted());
    const onAbort = () => reject(interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A promise that resolves (with `value`) when `signal` aborts: to race a source that may never answer. */
export function whenAborted<T>(signal: AbortSignal, value: T): Promise<T> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(value);
    signal.addEventListener("abort", () => resolve(value), { once: true });
  });
}

function interrupted(): PerfLabError {
  return new PerfLabError("INTERRUPTED", "interrupted", { exitCode: 130 });
}

/**
 * Poll `check` until it returns a value other than undefined/false. Throws TimeoutError naming `what`.
 * `check` may throw to end the wait early (e.g. the process waited for died).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; detail?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 200;
  for (;;) {
    opts.signal?.throwIfAborted();
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() >= deadline) throw new TimeoutError(what, opts.timeoutMs, opts.detail?.());
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}
