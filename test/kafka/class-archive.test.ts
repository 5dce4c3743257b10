import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { findJava, kafkaJarsDir } from "../../src/kafka";
import { buildClassArchives, classArchiveArgs, classArchiveFile, classArchiveUsable, type JvmIdentity, type TrainingCluster } from "../../src/kafka/class-archive";
import { readClusterState, clusterPaths } from "../../src/kafka/cluster-state";
import { brokerJvmOptions } from "../../src/kafka/broker-process";
import { tempDir, testKafka } from "../helpers/kafka";

function jvm(): JvmIdentity {
  const java = findJava();
  return { javaCommand: java.command, versionLine: java.versionLine, jarsDir: kafkaJarsDir() };
}

const crashReportsIn = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith("hs_err_pid"));

test("the brokers of an embedded cluster map the class-data archive that `perflab setup kafka-jars` built", { timeout: 120_000 }, async () => {
  const { stateDir } = await testKafka();
  const archive = classArchiveFile("broker", jvm());
  assert.ok(fs.existsSync(archive), `${archive} missing: npm test runs scripts/setup.sh, which builds it`);
  const state = readClusterState(clusterPaths(stateDir))!;
  // The archive, then the flags of PERFLAB_BROKER_JVM_OPTS (the test driver sets some).
  assert.deepEqual(state.jvmExtras?.broker, [`-XX:SharedArchiveFile=${archive}`, ...brokerJvmOptions()]);
  for (const b of state.brokers) {
    // Mapped into the process: the JVM accepted the archive (a refused one is not mapped).
    const maps = fs.readFileSync(`/proc/${b.pid}/maps`, "utf8");
    assert.ok(maps.includes(archive), `broker ${b.id} (pid ${b.pid}) does not map ${archive}`);
  }
});

test("an archive is accepted only when a JVM starts with it: a truncated copy (which would crash a broker) is refused", { timeout: 120_000 }, async () => {
  const id = jvm();
  const before = crashReportsIn(process.cwd());
  const archive = classArchiveFile("format", id);
  assert.equal(await classArchiveUsable(archive, id), true);
  const dir = tempDir("cds-trunc");
  const truncated = path.join(dir, "t.jsa");
  fs.writeFileSync(truncated, fs.readFileSync(archive).subarray(0, 1 << 20));
  assert.equal(await classArchiveUsable(truncated, id), false);
  fs.writeFileSync(truncated, "not an archive");
  assert.equal(await classArchiveUsable(truncated, id), false);
  // The truncated archive crashes the probing JVM (SIGBUS): its crash report must not land in the working folder.
  assert.deepEqual(crashReportsIn(process.cwd()), before, "a crash report (hs_err_pid*.log) was left in the working folder");
});

test("a failed training run leaves no archive and no partial file behind, and says so in one line", { timeout: 120_000 }, async () => {
  const dir = tempDir("cds-build");
  const prev = process.env.PERFLAB_CLASS_ARCHIVES;
  process.env.PERFLAB_CLASS_ARCHIVES = dir;
  try {
    const id = jvm();
    // A training JVM that died while writing its archive: half a file at the name it was given.
    const halfWritten: TrainingCluster = {
      async start(_stateDir, extras) {
        for (const flag of [...extras.broker, ...extras.format]) fs.writeFileSync(flag.split("=")[1]!, "half an archive");
      },
      async stop() {},
    };
    const line = await buildClassArchives(id, halfWritten);
    assert.match(line, /^class-data archives not built \(broker, format unusable\)/);
    assert.deepEqual(fs.readdirSync(dir), []);
    const failing: TrainingCluster = {
      async start() {
        throw new Error("broker 1 exited during startup");
      },
      async stop() {},
    };
    assert.match(await buildClassArchives(id, failing), /^class-data archives not built \(broker 1 exited during startup\)/);
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.deepEqual(classArchiveArgs(id), { broker: [], format: [] }, "no archive: clusters start without the flag");
    process.env.PERFLAB_CLASS_ARCHIVES = "off";
    assert.deepEqual(classArchiveArgs(id), { broker: [], format: [] });
    assert.match(await buildClassArchives(id, failing), /off/);
  } finally {
    if (prev === undefined) delete process.env.PERFLAB_CLASS_ARCHIVES;
    else process.env.PERFLAB_CLASS_ARCHIVES = prev;
  }
});

test("a new JDK build or a different set of jars gets an archive of its own", () => {
  const id = jvm();
  const a = classArchiveFile("broker", id);
  assert.notEqual(classArchiveFile("broker", { ...id, versionLine: 'openjdk version "17.0.99"' }), a);
  assert.notEqual(classArchiveFile("broker", { ...id, jarsDir: tempDir("cds-jars") }), a);
  assert.notEqual(classArchiveFile("format", id), a);
  assert.equal(classArchiveFile("broker", { ...id }), a);
});
