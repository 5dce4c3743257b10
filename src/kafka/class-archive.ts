/**
 * Class-data sharing (AppCDS) for the broker and storage-formatter JVMs. A JVM started with
 * `-XX:SharedArchiveFile` maps the classes it needs, already parsed and verified, from an archive instead of
 * loading them from the jars: measured here (JDK 17, Kafka 4.1, 2 cores) a broker start 4.0 → 2.3 CPU-s and
 * 2.4 → 1.4 s to its "started" line, a storage format 0.95 → 0.5 CPU-s. The archives are built once by
 * `perflab setup kafka-jars` (a training broker that starts, serves a round trip and shuts down with
 * `-XX:ArchiveClassesAtExit`); a cluster uses them when present and runs without them otherwise.
 *
 * A truncated archive crashes the JVM (SIGBUS, measured), so an archive is written to a temporary name and
 * renamed into place only after a JVM has started with it (`-Xshare:on` fails on an unusable archive). An
 * archive from another JDK build is refused by the JVM itself (a warning, then it runs without sharing); the
 * name also carries a hash of the java command, its version line and the jars, so a new JDK or Kafka gets its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { packageRoot } from "../paths";
import { runCommand } from "../util/process";

export type ClassArchiveKind = "broker" | "format";

/** JVM flags a cluster's broker and formatter JVMs get on top of the lab's own; recorded in the cluster state. */
export interface ClusterJvmExtras {
  broker: string[];
  format: string[];
}

export interface JvmIdentity {
  javaCommand: string;
  /** First line of `java -version`. */
  versionLine: string;
  jarsDir: string;
}

/** Where the archives live: PERFLAB_CLASS_ARCHIVES (a folder), else `.perflab/class-archives` in the package. */
export function classArchivesDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PERFLAB_CLASS_ARCHIVES;
  return fromEnv && fromEnv !== "off" ? path.resolve(fromEnv) : path.join(packageRoot, ".perflab", "class-archives");
}

/** The archive files of both kinds for this JDK and these jars (they may not exist); one listing of the jars. */
export function classArchiveFiles(jvm: JvmIdentity, dir: string = classArchivesDir()): Record<ClassArchiveKind, string> {
  let jars: string[] = [];
  try {
    jars = fs.readdirSync(jvm.jarsDir).filter((n) => n.endsWith(".jar")).sort();
  } catch {
    // no jars folder: the cluster start fails on its own, with a clearer message
  }
  const hash = crypto.createHash("sha256").update(JSON.stringify([jvm.javaCommand, jvm.versionLine, path.resolve(jvm.jarsDir), jars])).digest("hex").slice(0, 16);
  return { broker: path.join(dir, `broker-${hash}.jsa`), format: path.join(dir, `format-${hash}.jsa`) };
}

/** The archive file of one kind (see classArchiveFiles). */
export function classArchiveFile(kind: ClassArchiveKind, jvm: JvmIdentity, dir: string = classArchivesDir()): string {
  return classArchiveFiles(jvm, dir)[kind];
}

/** `PERFLAB_CLASS_ARCHIVES=off` turns class-data sharing off (for comparison, or if a JDK misbehaves with it). */
export function classArchivesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PERFLAB_CLASS_ARCHIVES !== "off";
}

/** Flags for a new cluster: each JVM kind maps its archive if it has been built, nothing otherwise. */
export function classArchiveArgs(jvm: JvmIdentity): ClusterJvmExtras {
  if (!classArchivesEnabled()) return { broker: [], format: [] };
  const files = classArchiveFiles(jvm);
  const use = (file: string): string[] => (fs.existsSync(file) ? [`-XX:SharedArchiveFile=${file}`] : []);
  return { broker: use(files.broker), format: use(files.format) };
}

/** True if a JVM starts with `file` as its class archive and this classpath (`-Xshare:on` exits non-zero if it cannot). */
export async function classArchiveUsable(file: string, jvm: JvmIdentity): Promise<boolean> {
  // A damaged archive can crash the JVM (SIGBUS while mapping it): its crash report goes to a file of ours, removed.
  const crashReport = path.join(os.tmpdir(), `perflab-cds-probe-${process.pid}-${Date.now()}.log`);
  try {
    const out = await runCommand(
      jvm.javaCommand,
      ["-Xshare:on", `-XX:SharedArchiveFile=${file}`, `-XX:ErrorFile=${crashReport}`, "-cp", path.join(jvm.jarsDir, "*"), "-version"],
      { timeoutMs: 60_000 },
    );
    return out.code === 0 && !/\[(warning|error)\s*\]\[cds/.test(out.output);
  } finally {
    fs.rmSync(crashReport, { force: true });
  }
}

export interface TrainingCluster {
  /** Start a one-broker cluster whose JVMs get these extra flags; resolves when it served a round trip. */
  start(stateDir: string, extras: ClusterJvmExtras): Promise<void>;
  /** Shut the broker down gracefully (the JVM writes its archive on exit), then remove the cluster. */
  stop(stateDir: string): Promise<void>;
}

/**
 * Builds the missing archives with one training cluster (~10 s). Never throws for a failed build: the lab
 * runs without sharing, a little slower; returns what it did in one line for the set-up log.
 */
export async function buildClassArchives(jvm: JvmIdentity, cluster: TrainingCluster, log: (line: string) => void = () => undefined): Promise<string> {
  if (!classArchivesEnabled()) return "class-data archives off (PERFLAB_CLASS_ARCHIVES=off)";
  const kinds: ClassArchiveKind[] = ["broker", "format"];
  const finals = classArchiveFiles(jvm);
  if (kinds.every((k) => fs.existsSync(finals[k]))) return "class-data archives present";
  const partial = (k: ClassArchiveKind): string => `${finals[k]}.partial-${process.pid}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-class-archives-"));
  try {
    fs.mkdirSync(path.dirname(finals.broker), { recursive: true });
    log("building class-data archives for the broker JVMs (one training broker) …");
    const dump = (k: ClassArchiveKind): string[] => [`-XX:ArchiveClassesAtExit=${partial(k)}`];
    try {
      await cluster.start(stateDir, { broker: dump("broker"), format: dump("format") });
    } finally {
      await cluster.stop(stateDir);
    }
    const built: string[] = [];
    for (const k of kinds) {
      if (fs.existsSync(partial(k)) && (await classArchiveUsable(partial(k), jvm))) {
        fs.renameSync(partial(k), finals[k]);
        built.push(k);
      }
    }
    return built.length === kinds.length
      ? `class-data archives built in ${path.dirname(finals.broker)}`
      : `class-data archives not built (${kinds.filter((k) => !built.includes(k)).join(", ")} unusable): brokers start without them`;
  } catch (err) {
    return `class-data archives not built (${(err as Error).message}): brokers start without them`;
  } finally {
    for (const k of kinds) fs.rmSync(partial(k), { force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
