/**
 * The mean-rating processor: consumes ratings, keeps a running mean per movie and publishes every
 * update as { movieId, ratings, meanRating } to the topic `<input topic>.means` through an
 * instrumented producer of its own (batched, linger 5 ms).
 */
import { InstrumentedProducer, createTopic, type ConsumedMessage, type RoleContext } from "kafka-perf-lab";

const means = new Map<number, { ratings: number; mean: number }>();
let out: InstrumentedProducer | null = null;
let outTopic = "";

export async function init(ctx: RoleContext): Promise<void> {
  outTopic = `${ctx.topic}.means`;
  await createTopic(ctx.connection, { name: outTopic, partitions: 3, replicationFactor: 1 }).catch((err) => {
    if (err?.code !== "TOPIC_EXISTS") throw err;
  });
  // Its messages are not part of the measured topic: do not add them to the role's accounting.
  out = new InstrumentedProducer({ connection: ctx.connection, topic: outTopic, lingerMs: 5, batchSize: 200, reportToRole: false });
  await out.connect();
}

export async function handle(message: ConsumedMessage): Promise<void> {
  const r = JSON.parse(message.value!.toString()) as { movieId: number; rating: number };
  const m = means.get(r.movieId) ?? { ratings: 0, mean: 0 };
  m.ratings += 1;
  m.mean += (r.rating - m.mean) / m.ratings;
  means.set(r.movieId, m);
  await out!.waitForCapacity();
  void out!.send({ key: String(r.movieId), value: JSON.stringify({ movieId: r.movieId, ratings: m.ratings, meanRating: m.mean }) });
}

export async function close(): Promise<void> {
  await out?.disconnect();
}
