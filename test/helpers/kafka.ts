import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EmbeddedKafka, embeddedConnection, ensureEmbeddedKafka, findEmbeddedKafka, startEmbeddedKafka, type KafkaConnection, type StartEmbeddedKafkaOptions } from "../../src/kafka";
import { processesMentioning } from "../../src/util/process";
import { sleep } from "../../src/util/timeout";
import { watchLingering } from "./linger";

// Every file that talks to Kafka: a connection left open after its last test is named, then closed.
watchLingering();

export interface TestKafka {
  conn: KafkaConnection;
  bootstrap: string[];
  stateDir: string;
}

/** Users of the shared SASL cluster (tests plant and search for these secrets). */
export const SASL_USERS = { alice: "lab-Secret-9f27c", "planted-user-51f3": "Pl4nted-S3cret-7a1c9e" } as const;

type SharedKind = "single" | "three-a" | "three-b" | "sasl";
const SHARED: Record<SharedKind, StartEmbeddedKafkaOptions> = {
  single: { brokers: 1 },
  "three-a": { brokers: 3 },
  "three-b": { brokers: 3 },
  sasl: { brokers: 1, saslUsers: { ...SASL_USERS } },
};
/** The pool of shared 3-broker clusters: two tests that stop brokers can run at once, each on its own. */
const THREE: SharedKind[] = ["three-a", "three-b"];

/**
 * Clusters shared by the test files of one `npm test`: the driver (scripts/run-tests.mjs) gives a folder
 * and its pid as their owner, so a cluster lives across files and goes when the driver ends (its watchdog
 * takes it down even after a kill -9). A file run on its own gets clusters owned by its own process.
 */
function sharedRoot(): { root: string; owner: number } {
  const root = process.env.PERFLAB_TEST_CLUSTERS;
  if (root) return { root, owner: Number(process.env.PERFLAB_TEST_OWNER) };
  const own = path.join(os.tmpdir(), `perflab-test-clusters-${process.pid}`);
  fs.mkdirSync(own, { recursive: true });
  return { root: own, owner: process.pid };
}

/** Take the lock `dir` (mkdir) if it is free or its holder is dead; false if a live process holds it. */
function tryLock(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "pid"), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    let holder: number;
    try {
      holder = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
    } catch {
      return false; // between mkdir and the pid write: a live holder
    }
    if (holder && !isAlivePid(holder)) fs.rmSync(dir, { recursive: true, force: true });
    return false;
  }
}

/**
 * An exclusive lock shared by processes: the first of `dirs` that is free (taken over from a dead holder),
 * waiting up to `timeoutMs`; `fn` gets the index of the lock it holds.
 */
async function withLock<T>(dirs: string[], fn: (index: number) => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let index: number;
  while ((index = dirs.findIndex(tryLock)) < 0) {
    if (Date.now() > deadline) throw new Error(`test locks ${dirs.join(", ")} held for ${timeoutMs / 1000} s`);
    await sleep(200);
  }
  try {
    return await fn(index);
  } finally {
    fs.rmSync(dirs[index]!, { recursive: true, force: true });
  }
}

function isAlivePid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const cache = new Map<SharedKind, Promise<TestKafka>>();

/** A shared cluster (started by the first file that asks for it, under a lock). */
export function sharedCluster(kind: SharedKind): Promise<TestKafka> {
  let p = cache.get(kind);
  if (!p) {
    const { root, owner } = sharedRoot();
    const stateDir = path.join(root, kind);
    p = withLock([`${stateDir}.lock`], async () => {
      // A cluster already up is taken as it is: another file may hold it with a broker stopped on purpose.
      const k = findEmbeddedKafka({ stateDir }) ?? (await ensureEmbeddedKafka({ ...SHARED[kind], basePort: "auto", stateDir, owner }));
      return { conn: embeddedConnection(k.bootstrap), bootstrap: k.bootstrap, stateDir };
    });
    cache.set(kind, p);
  }
  return p;
}

/** The single-broker cluster most integration tests share. */
export function testKafka(): Promise<TestKafka> {
  return sharedCluster("single");
}

/**
 * A shared 3-broker cluster, for one test at a time: tests that stop or kill brokers hold one exclusively,
 * and every broker is up again (restarted if needed) before the next test gets it. The pool has two, so
 * two such tests (mostly waiting on leader elections and session timeouts) run side by side; the second
 * cluster starts only when a test finds the first one taken.
 */
export async function withThreeBrokers<T>(fn: (k: TestKafka) => Promise<T>): Promise<T> {
  const { root } = sharedRoot();
  return withLock(THREE.map((kind) => path.join(root, `${kind}.exclusive`)), async (index) => {
    const k = await sharedCluster(THREE[index]!);
    const reset = async () => {
      const cluster = new EmbeddedKafka(k.stateDir);
      for (const b of (await cluster.status()).brokers) if (b.state === "paused") await cluster.resumeBroker(b.id);
      await ensureEmbeddedKafka({ brokers: 3, stateDir: k.stateDir, basePort: "auto", owner: sharedRoot().owner }); // restarts stopped brokers
    };
    await reset();
    try {
      return await fn(k);
    } finally {
      await reset();
    }
  });
}

/** A cluster of this test's own (its own state folder and free ports), for tests that break it. */
export async function privateCluster(opts: StartEmbeddedKafkaOptions = {}): Promise<TestKafka> {
  const stateDir = tempDir("perflab-kafka-");
  const k = await startEmbeddedKafka({ basePort: "auto", ...opts, stateDir, owner: process.pid });
  return { conn: embeddedConnection(k.bootstrap), bootstrap: k.bootstrap, stateDir };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Java processes started for the cluster in `stateDir` (their command lines name files in it). */
export function javaProcessesOf(stateDir: string): number[] {
  return processesMentioning(stateDir).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("java");
    } catch {
      return false; // exited between the scan and this read
    }
  });
}

/** Unique names per test so tests never see each other's topics or groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Role processes of a run (their command lines carry `--run <runId>`). */
export function roleProcessesOf(runDir: string): number[] {
  return processesMentioning(`--run ${path.basename(runDir)}`);
}
