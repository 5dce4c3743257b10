/**
 * One error family for the whole lab. Callers match on `code` (or the class), never on message text.
 * The message is always one line a user can act on: it names the field, file, broker or role concerned.
 */
export class PerfLabError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  /** Process exit code the CLI uses for this error: 2 for bad input, 1 for failures while running. */
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { retriable?: boolean; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad input from the user: a spec field, a CLI argument, a file. Exit code 2. */
export class InputError extends PerfLabError {
  /** Dotted path of the offending field (`producers.acks`) or the argument name (`--brokers`). */
  readonly field?: string;
  constructor(code: string, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(code, message, { exitCode: 2, cause: opts.cause });
    this.field = opts.field;
  }
}

/** A tool the lab needs (java, mvn, python3, chromium) is missing or too old. */
export class SetupError extends PerfLabError {
  constructor(code: string, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, { exitCode: 1, cause: opts.cause });
  }
}

/** The embedded cluster cannot do what was asked (already up, not up, broker unknown, startup failed). */
export class ClusterError extends PerfLabError {}

/** A wait ran out of time. `what` says what was awaited, so the message names it. */
export class TimeoutError extends PerfLabError {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super("TIMEOUT", `timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}${detail ? `: ${detail}` : ""}`, {
      retriable: true,
    });
  }
}

/** Message of any thrown value, for one-line reports. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
