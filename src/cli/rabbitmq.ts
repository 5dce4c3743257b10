import { Command } from "commander";
import { checkRabbitMQ, describeRabbit, embeddedRabbitStatus, RABBIT_ENV, rabbitConnection, rabbitConnectionFromEnv, startEmbeddedRabbitMQ, stopEmbeddedRabbitMQ } from "../rabbitmq";
import { formatTable, progressLine, seconds } from "./output";
import { onInterrupt } from "./interrupt";

export function rabbitmqCommand(): Command {
  const rabbit = new Command("rabbitmq").description("manage the embedded RabbitMQ node (your rabbitmq-server, run from a private folder, loopback only)");
  rabbit
    .command("up")
    .description("start the node and wait until its management API answers; prints its AMQP URL")
    .action(async () => {
      const t0 = performance.now();
      const abort = new AbortController();
      const release = onInterrupt(() => abort.abort());
      try {
        const s = await startEmbeddedRabbitMQ({ signal: abort.signal, log: progressLine });
        progressLine(`RabbitMQ ${s.version ?? "?"} up: node ${s.nodeName} ready in ${seconds(performance.now() - t0)} (state: ${s.dir})`);
        process.stdout.write(`amqp://127.0.0.1:${s.amqpPort}\n`);
      } finally {
        release();
      }
    });
  rabbit
    .command("status")
    .description(`whether the node is up, its ports and its queues (ready and unacknowledged messages); with --url (or ${RABBIT_ENV.url}), whether an external RabbitMQ answers and accepts the login`)
    .option("--json", "machine-readable")
    .option("--url <url>", `an external RabbitMQ: amqp://host[:port][/vhost] or amqps://…; user in the URL or ${RABBIT_ENV.username}, password only in ${RABBIT_ENV.password}`)
    .action(async (opts: { json?: boolean; url?: string }) => {
      const external = opts.url ? rabbitConnection(opts.url, "--url") : rabbitConnectionFromEnv();
      if (external) {
        const { product, version } = await checkRabbitMQ(external);
        const user = external.username?.reveal() ?? "guest";
        if (opts.json) process.stdout.write(JSON.stringify({ up: true, external: true, url: describeRabbit(external), user, product, version }, null, 2) + "\n");
        else process.stdout.write(`${product} ${version} at ${describeRabbit(external)} answers; user ${user} logged in\n`);
        return;
      }
      const st = await embeddedRabbitStatus();
      if (opts.json) {
        process.stdout.write(JSON.stringify({ up: st.up, nodeName: st.state?.nodeName ?? null, version: st.state?.version ?? null, amqpPort: st.state?.amqpPort ?? null, managementPort: st.state?.managementPort ?? null, queues: st.queues }, null, 2) + "\n");
        return;
      }
      if (!st.up) {
        process.stdout.write("no embedded RabbitMQ node is up (start one with `perflab rabbitmq up`)\n");
        return;
      }
      const s = st.state!;
      process.stdout.write(`RabbitMQ ${s.version ?? "?"} node ${s.nodeName}: AMQP 127.0.0.1:${s.amqpPort}, management 127.0.0.1:${s.managementPort}\n`);
      if (st.queues.length) process.stdout.write(formatTable([["queue", "ready", "unacked", "consumers"], ...st.queues.map((q) => [q.name, String(q.ready), String(q.unacked), String(q.consumers)])]) + "\n");
    });
  rabbit
    .command("down")
    .description("stop the node and its epmd, and remove its data")
    .action(async () => {
      const { stopped } = await stopEmbeddedRabbitMQ();
      progressLine(stopped ? "stopped the RabbitMQ node; data removed" : "no embedded RabbitMQ node was running");
    });
  return rabbit;
}
