import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { embeddedConnection, startEmbeddedKafka, stopEmbeddedKafka, type KafkaConnection, type StartEmbeddedKafkaOptions } from "../../src/kafka";
import { processesMentioning } from "../../src/util/process";

export interface TestKafka {
  conn: KafkaConnection;
  bootstrap: string[];
  stateDir: string;
}

let shared: Promise<TestKafka> | null = null;

/**
 * The single-broker embedded Kafka for integration tests: the one `npm test` started (env
 * PERFLAB_TEST_BOOTSTRAP), or — when a test file runs on its own — one started for this file.
 */
export function testKafka(): Promise<TestKafka> {
  if (!shared) {
    const bootstrap = process.env.PERFLAB_TEST_BOOTSTRAP;
    if (bootstrap) {
      const list = bootstrap.split(",");
      shared = Promise.resolve({ conn: embeddedConnection(list), bootstrap: list, stateDir: process.env.PERFLAB_TEST_STATE_DIR! });
    } else {
      shared = ownedCluster({ brokers: 1 });
    }
  }
  return shared;
}

/** A cluster of this test file's own (its own state folder and free ports), taken down after the file. */
export async function ownedCluster(opts: StartEmbeddedKafkaOptions = {}): Promise<TestKafka> {
  const stateDir = tempDir("perflab-kafka-");
  after(async () => {
    await stopEmbeddedKafka({ stateDir });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
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
