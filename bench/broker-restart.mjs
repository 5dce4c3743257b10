// Benchmark: bringing back a broker that a fault stopped. Kafka refuses a broker's new incarnation
// (DUPLICATE_BROKER_REGISTRATION) while the active controller still holds the old one's session — 9 s
// (broker.session.timeout.ms) after its last heartbeat, even after a controlled shutdown — so the lab now unregisters
// the stopped broker first (`replaceRegistration`, src/kafka/unregister.ts). Measured on one 3-broker cluster, in
// interleaved rounds, the order alternating:
//   - restart: a broker that is not the active controller (stopping the controller elects another, which starts every
//     session afresh) is stopped (controlled shutdown), then started; the time until it answers on its own listener,
//     as Kafka would have it (the baseline) and with its old registration removed first;
//   - run: `runExperiment` of a spec whose every repetition stops a broker (what the runner brings back before the
//     next one), with the lab's restore as shipped and with the baseline's (the option dropped: Kafka's wait).
// Ratios new / baseline within each round. Writes bench/results/broker-restart.json.
//   node bench/broker-restart.mjs [--reps N]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { round4 } from "./lib.mjs";
import { brokerRestartTable } from "./tables.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lab = require(path.join(root, "dist", "index.js"));
const { Connection, describeQuorumV2 } = require("@platformatic/kafka");
const reps = Number(process.argv[process.argv.indexOf("--reps") + 1] || 5);

const SPEC = {
  name: "restart-bench",
  kafka: { embedded: { brokers: 3 } },
  topic: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
  workload: { durationSec: 4, rate: 500 },
  producers: { acks: -1 },
  consumers: { count: 1 },
  faults: [{ at: 2, action: "stop-broker", broker: 2 }],
  repetitions: 3,
  warmup: 0,
};

async function activeController(address) {
  const conn = new Connection("perflab-bench");
  try {
    const [host, port] = address.split(":");
    await conn.connect(host, Number(port));
    const res = await describeQuorumV2.api.async(conn, [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }]);
    return res.topics[0].partitions[0].leaderId;
  } finally {
    await conn.close();
  }
}

// The baseline's restore: the same EmbeddedKafka.startBroker, with the option dropped (Kafka's own wait).
const startBroker = lab.EmbeddedKafka.prototype.startBroker;
function useBaseline(on) {
  lab.EmbeddedKafka.prototype.startBroker = on ? function (id, opts = {}) { return startBroker.call(this, id, { ...opts, replaceRegistration: false }); } : startBroker;
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-restart-"));
const out = fs.mkdtempSync(path.join(os.tmpdir(), "perflab-bench-restart-runs-"));
const runs = { baseline: { restartMs: [], runMs: [] }, unregister: { restartMs: [], runMs: [] } };
try {
  const k = await lab.startEmbeddedKafka({ stateDir, brokers: 3, basePort: "auto", owner: process.pid });
  const cluster = new lab.EmbeddedKafka(stateDir);
  for (let i = 0; i < reps; i++) {
    for (const v of i % 2 ? ["unregister", "baseline"] : ["baseline", "unregister"]) {
      process.stderr.write(`round ${i + 1}/${reps}: ${v} …\n`);
      await new Promise((r) => setTimeout(r, 2000)); // steady heartbeats before the stop
      const controller = await activeController(k.bootstrap[0]);
      const id = [1, 2, 3].find((x) => x !== controller);
      await cluster.stopBroker(id);
      const t0 = performance.now();
      await cluster.startBroker(id, { replaceRegistration: v === "unregister" });
      runs[v].restartMs.push(performance.now() - t0);

      useBaseline(v === "baseline");
      const t1 = performance.now();
      const run = await lab.runExperiment(SPEC, { stateDir, reportsDir: out, profilesDir: out, progress: "none" });
      runs[v].runMs.push(performance.now() - t1);
      useBaseline(false);
      if (run.state !== "completed") throw new Error(`${v} run ${run.state}: ${run.error}`);
    }
  }
} finally {
  useBaseline(false);
  await lab.stopEmbeddedKafka({ stateDir });
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
}

const stats = (xs) => lab.computeStatistics(xs);
const keys = ["restartMs", "runMs"];
const summary = round4({
  benchmark: "broker-restart",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  reps,
  runSpec: { repetitions: SPEC.repetitions, durationSec: SPEC.workload.durationSec, fault: SPEC.faults[0] },
  baseline: Object.fromEntries(keys.map((key) => [key, stats(runs.baseline[key])])),
  unregister: Object.fromEntries(keys.map((key) => [key, stats(runs.unregister[key])])),
  ratioUnregisterOverBaseline: Object.fromEntries(keys.map((key) => [key, stats(runs.unregister[key].map((x, i) => x / runs.baseline[key][i]))])),
});
fs.writeFileSync(path.join(root, "bench", "results", "broker-restart.json"), JSON.stringify(summary, null, 2) + "\n");
console.log(brokerRestartTable(summary));
process.exit(0);
