import { Command } from "commander";
import { ensureEmbeddedKafka, embeddedConnection, roundTrip, stopEmbeddedKafka, findEmbeddedKafka } from "../kafka";
import { formatTable, progressLine, seconds } from "./output";
import { onInterrupt } from "./interrupt";

export function demoCommand(): Command {
  return new Command("demo")
    .description("the quickstart: embedded Kafka up, a small produce/consume round with a summary, Kafka down")
    .option("--keep-kafka", "leave the embedded cluster running afterwards")
    .action(async (opts: { keepKafka?: boolean }) => {
      const wasUp = findEmbeddedKafka() !== null;
      const abort = new AbortController();
      const release = onInterrupt(() => abort.abort());
      const t0 = performance.now();
      try {
        const kafka = await ensureEmbeddedKafka({ brokers: 1, signal: abort.signal, log: progressLine, owner: opts.keepKafka || wasUp ? null : process.pid });
        progressLine(`Kafka ${kafka.kafkaVersion} ready at ${kafka.bootstrap.join(",")} (${seconds(performance.now() - t0)})`);
        const r = await roundTrip(embeddedConnection(kafka.bootstrap), { count: 20, partitions: 3 });
        process.stdout.write(
          [
            `produced and consumed ${r.messages.length} messages on topic ${r.topic}`,
            `produce (one batch, acks=-1): ${r.produceMs.toFixed(1)} ms · consume incl. group join: ${r.consumeMs.toFixed(1)} ms`,
            "",
            formatTable([["partition", "offset", "timestamp", "key", "value"], ...r.messages.slice(0, 8).map((m) => [m.partition, m.offset, new Date(m.timestamp).toISOString(), m.key ?? "", m.value])]),
            r.messages.length > 8 ? `… ${r.messages.length - 8} more` : "",
          ].join("\n") + "\n",
        );
      } finally {
        release();
        if (!opts.keepKafka && !wasUp) {
          await stopEmbeddedKafka();
          progressLine("Kafka down");
        }
      }
    });
}
