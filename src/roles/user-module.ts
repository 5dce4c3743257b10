import fs from "node:fs";
import path from "node:path";
import { InputError } from "../errors";

let tsxRegistered = false;

/**
 * Load a user's module (.ts, .mts, .js, .cjs) in a role process. TypeScript is compiled on the fly by
 * tsx (with inline source maps, so stack traces and profiles point at the .ts lines). Errors name the file.
 */
export function loadUserModule(file: string, what: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new InputError("USER_MODULE_MISSING", `${what} ${file} not found`, { field: what });
  if (/\.(c|m)?tsx?$/.test(file) && !tsxRegistered && !process.execArgv.some((a) => a.includes("tsx"))) {
    require("tsx/cjs/api").register();
    tsxRegistered = true;
  }
  try {
    return require(path.resolve(file)) as Record<string, unknown>;
  } catch (err) {
    throw new InputError("USER_MODULE_FAILED", `${what} ${file} failed to load: ${(err as Error).message.split("\n")[0]}`, { field: what, cause: err });
  }
}

/** The function a module exports under one of `names` (or as default); throws naming the file if absent. */
export function exportedFunction<T extends (...args: never[]) => unknown>(mod: Record<string, unknown>, names: string[], file: string, what: string): T {
  for (const n of names) if (typeof mod[n] === "function") return mod[n] as T;
  const def = mod.default as Record<string, unknown> | ((...a: never[]) => unknown) | undefined;
  if (typeof def === "function") return def as T;
  if (def && typeof def === "object") for (const n of names) if (typeof def[n] === "function") return def[n] as T;
  throw new InputError("USER_MODULE_EXPORT", `${what} ${file} must export a function named ${names.join(" or ")} (or a default function)`, { field: what });
}

export function optionalFunction<T extends (...args: never[]) => unknown>(mod: Record<string, unknown>, name: string): T | null {
  if (typeof mod[name] === "function") return mod[name] as T;
  const def = mod.default as Record<string, unknown> | undefined;
  if (def && typeof def === "object" && typeof def[name] === "function") return def[name] as T;
  return null;
}
