// The README's benchmark tables, rendered from the committed results in bench/results/ — the README shows
// exactly these lines (test/readme.test.ts checks it), so its figures cannot drift from the results.
//   node bench/tables.mjs        prints every table
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const read = (name) => JSON.parse(fs.readFileSync(path.join(root, "bench", "results", `${name}.json`), "utf8"));
const int = (x) => Math.round(x).toLocaleString("en-US");
const pm = (s) => `${int(s.mean)} ± ${int(s.std)}`;
const ratio = (s, bold = false) => `${bold ? "**" : ""}${s.mean.toFixed(2)}${bold ? "**" : ""} (${s.ci95Low.toFixed(2)} … ${s.ci95High.toFixed(2)})`;

/** Instrumentation cost: the lab's producer and consumer against bare kafkajs. */
export function instrumentationTable(r = read("instrumentation")) {
  const T = r.throughputMsgsPerSec;
  const R = r.ratioInstrumentedOverBare;
  const rows = [
    ["produce, offsets (default: nothing added to the messages)", T.bareProduce, T.labProduceOffsets, R.produceOffsets, true],
    ["produce, id + send time in a 16-byte header", T.bareProduce, T.labProduceHeader, R.produceHeader],
    ["produce, id + send time in a 24-byte value trailer", T.bareProduce, T.labProduceTrailer, R.produceTrailer],
    ["consume, offsets (default), handler does nothing", T.bareConsumeOffsets, T.labConsumeOffsets, R.consumeOffsets, true],
    ["consume, offsets, handler does nothing, with the receipt journal a run's consumers keep", T.bareConsumeJournal, T.labConsumeJournal, R.consumeJournal],
    ["consume, header topic, handler does nothing", T.bareConsumeHeader, T.labConsumeHeader, R.consumeHeader],
    ["consume, offsets, 10 µs of work per message", T.bareConsumeWork, T.labConsumeWork, R.consumeWork, true],
  ];
  const c = r.recording;
  return [
    "| what | bare kafkajs (msg/s) | kafka-perf-lab (msg/s) | ratio lab / bare (95% CI) |",
    "|---|---|---|---|",
    ...rows.map(([what, bare, lab, q, bold]) => `| ${what} | ${pm(bare)} | ${pm(lab)} | ${ratio(q, bold)} |`),
    "",
    `Recording: ${c.producerSendAndAckNs} ns per message sent and acknowledged, ${c.consumerReceiveNs} ns per message received${c.clockReadNs === undefined ? "" : ` (one clock read: ${c.clockReadNs} ns)`}; the offset join ${c.offsetJoinMsPerMillion} ms per million messages (${c.offsetRecordBytesPerMessage} bytes of records per message, both sides); statistics of 1M samples ${c.statistics1MSamplesMs} ms.`,
  ].join("\n");
}

/** kafkajs vs @platformatic/kafka, bare and driven by the lab. */
export function clientsTable(r = read("clients")) {
  const T = r.throughputMsgsPerSec;
  const R = r.ratios;
  const names = { single: "produce, single-message sends", batch100: "produce, batches of 100", batch500: "produce, batches of 500", consume: "consume" };
  const t = (op, who, c) => int(T[`${op}.${who}.${c}`].mean);
  return [
    "| workload | bare kafkajs | bare platformatic | platformatic / kafkajs, bare (95% CI) | lab kafkajs | lab platformatic | platformatic / kafkajs, under the lab |",
    "|---|---|---|---|---|---|---|",
    ...Object.entries(names).map(([op, label]) => `| ${label} (msg/s) | ${t(op, "bare", "kafkajs")} | ${t(op, "bare", "platformatic")} | ${ratio(R[`${op}.bare.platformaticOverKafkajs`], true)} | ${t(op, "lab", "kafkajs")} | ${t(op, "lab", "platformatic")} | ${ratio(R[`${op}.lab.platformaticOverKafkajs`])} |`),
    "",
    `Lab / bare, per client: ${Object.keys(names)
      .map((op) => `${op} kafkajs ${ratio(R[`${op}.kafkajs.labOverBare`])}, platformatic ${ratio(R[`${op}.platformatic.labOverBare`])}`)
      .join("; ")}.`,
  ].join("\n");
}

/** Kafka beside RabbitMQ: bare clients (kafkajs, amqplib) and the same clients driven by the lab. */
export function brokersTable(r = read("brokers")) {
  const T = r.throughputMsgsPerSec;
  const R = r.ratios;
  const names = {
    produce: "produce, windows of 100 awaited (acks -1 / publisher confirms, persistent)",
    consume: "consume, handler only counts (Kafka: no commits / RabbitMQ: prefetch 100, multiple acks)",
  };
  return [
    "| workload | Kafka, bare kafkajs (msg/s) | RabbitMQ, bare amqplib (msg/s) | RabbitMQ / Kafka, bare (95% CI) | Kafka, lab (msg/s) | RabbitMQ, lab (msg/s) | RabbitMQ / Kafka, through the lab (95% CI) |",
    "|---|---|---|---|---|---|---|",
    ...Object.entries(names).map(
      ([op, label]) =>
        `| ${label} | ${pm(T[`${op}.bare.kafka`])} | ${pm(T[`${op}.bare.rabbitmq`])} | ${ratio(R[`${op}.bare.rabbitmqOverKafka`], true)} | ${pm(T[`${op}.lab.kafka`])} | ${pm(T[`${op}.lab.rabbitmq`])} | ${ratio(R[`${op}.lab.rabbitmqOverKafka`], true)} |`,
    ),
    "",
    `Lab / bare, per broker: ${Object.keys(names)
      .map((op) => `${op} Kafka ${ratio(R[`${op}.kafka.labOverBare`])}, RabbitMQ ${ratio(R[`${op}.rabbitmq.labOverBare`])}`)
      .join("; ")}.`,
  ].join("\n");
}

/** Embedded Kafka start-up, with and without the class-data archives. */
export function kafkaStartupTable(r = read("kafka-startup")) {
  const sec = (s) => `${(s.mean / 1000).toFixed(2)} s ± ${(s.std / 1000).toFixed(2)} s`;
  const cpu = (s) => `${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}`;
  const R = r.ratioWithOverWithoutArchives;
  const row = (label, v, wall, cpuRatio) =>
    `| ${label} | ${sec(r.wallMs[v])} | ${sec(r.wallMs[`${v}NoArchive`])} | ${ratio(wall, true)} | ${cpu(r.cpuSeconds[v])} | ${cpu(r.cpuSeconds[`${v}NoArchive`])} | ${ratio(cpuRatio, true)} |`;
  return [
    "| `perflab kafka up` to metadata showing every broker | wall, archives | wall, without | ratio (95% CI) | CPU-s, archives | CPU-s, without | ratio (95% CI) |",
    "|---|---|---|---|---|---|---|",
    row("1 broker", "up1", R.up1Wall, R.up1Cpu),
    row("3 brokers", "up3", R.up3Wall, R.up3Cpu),
    "",
    `Baseline in the same run: a bare broker JVM (no archive, formatted beforehand) to its "Kafka Server started" line in ${sec(r.bareBrokerToStartedLogMs)}; ${r.reps} interleaved rounds, Kafka ${r.kafkaVersion}, ${r.machine.java}, ${r.machine.cpus} cores.`,
  ].join("\n");
}

/** The C2 compiler's cost to a short-lived broker: default flags against the client compiler only. */
export function brokerJitTable(r = read("broker-jit")) {
  const R = r.ratioC1OverDefault;
  const sec = (s) => `${(s.mean / 1000).toFixed(2)} s ± ${(s.std / 1000).toFixed(2)} s`;
  const cpu = (s) => `${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}`;
  return [
    `| one broker | default JIT | \`${r.flags}\` | ratio (95% CI) |`,
    "|---|---|---|---|",
    `| broker CPU-s to "in the metadata" | ${cpu(r.default.startCpuS)} | ${cpu(r.c1.startCpuS)} | ${ratio(R.startCpuS, true)} |`,
    `| broker CPU-s for ${int(r.messages)} messages of 200 B in and out | ${cpu(r.default.loadCpuS)} | ${cpu(r.c1.loadCpuS)} | ${ratio(R.loadCpuS, true)} |`,
    `| wall time of that load (kafkajs producer, then consumer) | ${sec(r.default.loadMs)} | ${sec(r.c1.loadMs)} | ${ratio(R.loadMs)} |`,
    "",
    `${r.reps} interleaved rounds, ${r.machine.cpus} cores, Node ${r.machine.node}.`,
  ].join("\n");
}

/** Bringing back a broker a fault stopped: Kafka's wait for the old session against unregistering it first. */
export function brokerRestartTable(r = read("broker-restart")) {
  const R = r.ratioUnregisterOverBaseline;
  const sec = (s) => `${(s.mean / 1000).toFixed(2)} s ± ${(s.std / 1000).toFixed(2)} s`;
  return [
    "| 3 brokers | Kafka's wait (baseline) | old registration removed first | ratio (95% CI) |",
    "|---|---|---|---|",
    `| a stopped broker (not the active controller) started again, to answering on its own listener | ${sec(r.baseline.restartMs)} | ${sec(r.unregister.restartMs)} | ${ratio(R.restartMs, true)} |`,
    `| a run of ${r.runSpec.repetitions} repetitions of ${r.runSpec.durationSec} s, broker ${r.runSpec.fault.broker} stopped ${r.runSpec.fault.at} s into each | ${sec(r.baseline.runMs)} | ${sec(r.unregister.runMs)} | ${ratio(R.runMs, true)} |`,
    "",
    `${r.reps} interleaved rounds, ${r.machine.cpus} cores, Node ${r.machine.node}.`,
  ].join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  console.log(instrumentationTable());
  console.log();
  console.log(clientsTable());
  console.log();
  console.log(brokersTable());
  console.log();
  console.log(kafkaStartupTable());
  console.log();
  console.log(brokerJitTable());
  console.log();
  console.log(brokerRestartTable());
}
