import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { SetupError } from "../errors";
import { packageRoot } from "../paths";
import { runCommand } from "../util/process";

/** The pom.xml that names the Kafka broker version and its jars (fetched from Maven Central). */
export const kafkaPom = path.join(packageRoot, "kafka", "pom.xml");

/** Folder holding the Kafka broker jars: PERFLAB_KAFKA_JARS, else `.perflab/kafka-jars` in the package. */
export function kafkaJarsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PERFLAB_KAFKA_JARS ? path.resolve(env.PERFLAB_KAFKA_JARS) : path.join(packageRoot, ".perflab", "kafka-jars");
}

const STAMP = ".perflab-complete";

function pomHash(): string {
  return crypto.createHash("sha256").update(fs.readFileSync(kafkaPom)).digest("hex").slice(0, 16);
}

/** True if the jars folder was filled completely from the current pom.xml (or is a user-provided folder). */
export function kafkaJarsReady(dir: string = kafkaJarsDir()): boolean {
  if (process.env.PERFLAB_KAFKA_JARS) return findKafkaJar(dir) !== null;
  try {
    return fs.readFileSync(path.join(dir, STAMP), "utf8").trim() === pomHash();
  } catch {
    return false; // no stamp yet: not fetched
  }
}

/** Kafka version from the broker jar's file name (kafka_2.13-4.1.1.jar → "4.1.1"), or null. */
export function kafkaVersion(dir: string = kafkaJarsDir()): string | null {
  const jar = findKafkaJar(dir);
  return jar ? /^kafka_[\d.]+-(.+)\.jar$/.exec(jar)![1]! : null;
}

function findKafkaJar(dir: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  return names.find((n) => /^kafka_[\d.]+-[\w.-]+\.jar$/.test(n) && !n.includes("-test")) ?? null;
}

/**
 * Makes sure the Kafka jars are present, fetching them with Maven (`dependency:copy-dependencies`)
 * into a temporary folder that is renamed into place only when complete. Idempotent; returns the folder.
 */
export async function ensureKafkaJars(opts: { log?: (line: string) => void } = {}): Promise<string> {
  const dir = kafkaJarsDir();
  if (kafkaJarsReady(dir)) return dir;
  if (process.env.PERFLAB_KAFKA_JARS) {
    throw new SetupError("KAFKA_JARS_MISSING", `PERFLAB_KAFKA_JARS=${dir} holds no kafka_2.13-*.jar`);
  }
  const mvn = spawnSync("mvn", ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (mvn.error || mvn.status !== 0) {
    throw new SetupError(
      "MAVEN_NOT_FOUND",
      "mvn not found on PATH: install Maven (e.g. apt-get install maven) to fetch the Kafka broker jars, or set PERFLAB_KAFKA_JARS to a folder of Kafka jars",
    );
  }
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  opts.log?.(`fetching Kafka jars from Maven Central (${path.relative(process.cwd(), kafkaPom) || kafkaPom}) …`);
  const args = ["-q", "-B", "-f", kafkaPom, "dependency:copy-dependencies", `-DoutputDirectory=${tmp}`, "-DincludeScope=runtime"];
  const { code, output } = await runCommand("mvn", args, { timeoutMs: 15 * 60_000 });
  if (code !== 0 || findKafkaJar(tmp) === null) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const last = output.trim().split("\n").slice(-3).join(" | ");
    throw new SetupError("KAFKA_JARS_FETCH_FAILED", `mvn could not fetch the Kafka jars (exit ${code}): ${last}`);
  }
  fs.writeFileSync(path.join(tmp, STAMP), pomHash() + "\n");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}
