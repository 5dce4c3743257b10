import { Command } from "commander";
import { ensureClassArchives, ensureKafkaJars, findJava, kafkaJarsReady, kafkaVersion } from "../kafka";
import { progressLine } from "./output";

/** `perflab setup kafka-jars`: the Maven step of scripts/setup.sh, also usable on its own. */
export function setupCommand(): Command {
  const setup = new Command("setup").description("set-up steps run by `npm run setup` (idempotent)");
  setup
    .command("kafka-jars")
    .description("fetch the Apache Kafka broker jars from Maven Central and build the brokers' class-data archives (each skipped when present)")
    .action(async () => {
      findJava();
      const already = kafkaJarsReady();
      const dir = await ensureKafkaJars({ log: progressLine });
      const archives = await ensureClassArchives({ log: progressLine });
      progressLine(`${already ? "Kafka jars present" : "Kafka jars fetched"}: Kafka ${kafkaVersion(dir)} in ${dir}; ${archives}`);
    });
  return setup;
}
