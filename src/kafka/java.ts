import { spawnSync } from "node:child_process";
import path from "node:path";
import { SetupError } from "../errors";

export interface JavaInfo {
  /** Path or command name of the java launcher. */
  command: string;
  /** Feature release, e.g. 17. */
  major: number;
  versionLine: string;
}

const MIN_JAVA = 17;

/** Finds a JDK/JRE 17+ (JAVA_HOME first, then PATH). Throws SetupError naming what is missing. */
export function findJava(env: NodeJS.ProcessEnv = process.env): JavaInfo {
  const command = env.JAVA_HOME ? path.join(env.JAVA_HOME, "bin", "java") : "java";
  const res = spawnSync(command, ["-version"], { encoding: "utf8", env, timeout: 20_000 });
  if (res.error || res.status !== 0) {
    throw new SetupError(
      "JAVA_NOT_FOUND",
      `java not found (${env.JAVA_HOME ? `JAVA_HOME=${env.JAVA_HOME}` : "not on PATH"}): install a JDK ${MIN_JAVA}+ (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME`,
    );
  }
  const versionLine = (res.stderr || res.stdout).split("\n")[0] ?? "";
  const major = parseJavaMajor(versionLine);
  if (major < MIN_JAVA) {
    throw new SetupError("JAVA_TOO_OLD", `java ${major} found (${versionLine.trim()}); Kafka 4 needs Java ${MIN_JAVA}+`);
  }
  return { command, major, versionLine: versionLine.trim() };
}

/** `openjdk version "17.0.15" 2025-04-15` → 17; `java version "1.8.0_392"` → 8. Returns 0 if unparsable. */
export function parseJavaMajor(versionLine: string): number {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!m) return 0;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}
