import { Command, InvalidArgumentError } from "commander";
import {
  DEFAULT_BASE_PORT,
  EmbeddedKafka,
  embeddedKafkaStatus,
  startEmbeddedKafka,
  stopEmbeddedKafka,
  validateBrokerCount,
} from "../kafka";
import { formatTable, progressLine, seconds } from "./output";
import { onInterrupt } from "./interrupt";

function brokerId(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`broker id must be a whole number (got "${value}")`);
  return Number(value);
}

/** `--port` of the commands that start the embedded cluster: a base port, or "auto" for free ports. */
export function basePort(value: string): number | "auto" {
  if (value === "auto") return "auto";
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1024 || n > 65000) throw new InvalidArgumentError(`must be a port from 1024 to 65000, or auto (got "${value}")`);
  return n;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`must be a positive whole number (got "${value}")`);
  return Number(value);
}

export function kafkaCommand(): Command {
  const kafka = new Command("kafka").description("manage the embedded Apache Kafka cluster (KRaft, from Maven Central jars, run by your JDK)");
  addUp(kafka);
  addStatus(kafka);
  addBrokerCommands(kafka);
  kafka
    .command("down")
    .description("stop all brokers and remove their data (logs stay in .perflab/logs)")
    .action(async () => {
      const { stopped } = await stopEmbeddedKafka();
      progressLine(stopped > 0 ? `stopped ${stopped} broker${stopped > 1 ? "s" : ""}; data removed` : "no embedded Kafka cluster was running");
    });
  return kafka;
}

function addUp(kafka: Command): void {
  kafka
    .command("up")
    .description("start 1–3 brokers on loopback and wait until the metadata shows every broker; prints the bootstrap list")
    .option("--brokers <n>", "number of brokers, 1 to 3", "1")
    .option("--port <base>", "first client port (or auto: free ports); brokers use base.., controllers base+100..", basePort, DEFAULT_BASE_PORT)
    .option("--heap <mb>", "JVM heap per broker in MiB", positiveInt, 512)
    .action(async (opts: { brokers: string; port: number | "auto"; heap: number }) => {
      const brokers = validateBrokerCount(opts.brokers, "--brokers");
      const t0 = performance.now();
      const abort = new AbortController();
      const release = onInterrupt(() => abort.abort());
      try {
        const k = await startEmbeddedKafka({ brokers, basePort: opts.port, heapMb: opts.heap, signal: abort.signal, log: progressLine });
        progressLine(`Kafka ${k.kafkaVersion} up: ${brokers} broker${brokers > 1 ? "s" : ""} ready in ${seconds(performance.now() - t0)} (state: ${k.paths.stateDir})`);
        process.stdout.write(k.bootstrap.join(",") + "\n");
      } finally {
        release();
      }
    });
}

function addStatus(kafka: Command): void {
  kafka
    .command("status")
    .description("show the embedded cluster: bootstrap list, brokers, pids, ports, up/down, Kafka version")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const s = await embeddedKafkaStatus({ probe: true });
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + "\n");
        return;
      }
      if (s.brokers.length === 0) {
        process.stdout.write(`no embedded Kafka cluster (state folder ${s.stateDir}); start one with \`perflab kafka up\`\n`);
        return;
      }
      const lines = [
        `Embedded Kafka ${s.kafkaVersion} (KRaft) · cluster ${s.clusterId} · ${s.up ? "up" : "down"}`,
        `bootstrap: ${s.bootstrap.join(",")}${s.saslMechanisms.length ? ` (SASL: ${s.saslMechanisms.join(", ")})` : ""}`,
        "",
        formatTable([
          ["broker", "port", "controller", "pid", "state", "registered", "log"],
          ...s.brokers.map((b) => [b.id, b.port, b.controllerPort, b.pid ?? "-", b.state, b.registered === undefined ? "-" : b.registered ? "yes" : "no", b.logFile]),
        ]),
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
}

function addBrokerCommands(kafka: Command): void {
  kafka
    .command("stop-broker")
    .description("stop one broker process, keeping its data (SIGTERM: controlled shutdown; --hard: SIGKILL)")
    .argument("<id>", "broker id", brokerId)
    .option("--hard", "kill with SIGKILL instead of a controlled shutdown")
    .action(async (id: number, opts: { hard?: boolean }) => {
      const t0 = performance.now();
      await new EmbeddedKafka().stopBroker(id, { hard: opts.hard });
      progressLine(`broker ${id} stopped in ${seconds(performance.now() - t0)}`);
    });

  kafka
    .command("start-broker")
    .description("restart a stopped broker with its data and wait until it answers on its own listener (after a kill, once Kafka lets it register: ~10 s)")
    .argument("<id>", "broker id", brokerId)
    .action(async (id: number) => {
      const t0 = performance.now();
      await new EmbeddedKafka().startBroker(id);
      progressLine(`broker ${id} running and registered in ${seconds(performance.now() - t0)}`);
    });

  kafka
    .command("pause-broker")
    .description("freeze one broker with SIGSTOP (a hung broker rather than a dead one)")
    .argument("<id>", "broker id", brokerId)
    .action(async (id: number) => {
      await new EmbeddedKafka().pauseBroker(id);
      progressLine(`broker ${id} paused (SIGSTOP)`);
    });

  kafka
    .command("resume-broker")
    .description("resume a paused broker (SIGCONT)")
    .argument("<id>", "broker id", brokerId)
    .action(async (id: number) => {
      await new EmbeddedKafka().resumeBroker(id);
      progressLine(`broker ${id} resumed`);
    });
}
