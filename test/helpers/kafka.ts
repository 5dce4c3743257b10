import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EmbeddedKafka, embeddedConnection, ensureEmbeddedKafka, findEmbeddedKafka, startEmbeddedKafka, type KafkaConnection, type StartEmbeddedKafkaOptions } from "../../src/kafka";
import { processesMentioning } from "../../src/util/process";
import { sleep } from "../../src/util/timeout";

export interface TestKafka {
  conn: KafkaConnection;
  bootstrap: string[];
  stateDir: string;
}

/** Users of the shared SASL cluster (tests plant and search for these secrets). */
export const SASL_USERS = { alice: "lab-Secret-9f27c", "planted-user-51f3": "Pl4nted-S3cret-7a1c9e" } as const;

type SharedKind = "single" | "three" | "sasl";
const SHARED: Record<SharedKind, StartEmbeddedKafkaOptions> = {
  single: { brokers: 1 },
  three: { brokers: 3 },
  sasl: { brokers: 1, saslUsers: { ...SASL_USERS } },
};

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

/** An exclusive lock shared by processes (mkdir), taken over from a dead holder; waits up to `timeoutMs`. */
async function withLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder: number;
      try {
        holder = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
      } catch {
        holder = 0; // between mkdir and the pid write
      }
      if (holder && !isAlivePid(holder)) fs.rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`test lock ${dir} held by pid ${holder} for ${timeoutMs / 1000} s`, { cause: err });
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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
    p = withLock(`${stateDir}.lock`, async () => {
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
 * The shared 3-broker cluster, for one test at a time: tests that stop or kill brokers hold it exclusively,
 * and every broker is up again (restarted if needed) before the next test gets it.
 */
export async function withThreeBrokers<T>(fn: (k: TestKafka) => Promise<T>): Promise<T> {
  const k = await sharedCluster("three");
  return withLock(`${k.stateDir}.exclusive`, async () => {
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
