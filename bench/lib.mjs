// Pieces the benchmarks share.

/** A handler that counts calls and resolves with the ms from the first to the `total`-th. */
export function counter(total, resolve) {
  let n = 0;
  let t0 = 0;
  return () => {
    if (n === 0) t0 = performance.now();
    if (++n === total) resolve(performance.now() - t0);
  };
}

/** Bare kafkajs consuming `total` messages of a topic from its start (no commits): messages per second. */
export async function consumeWithKafkajs(kafka, topic, groupId, total) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const ms = await new Promise((resolve, reject) => {
    const count = counter(total, resolve);
    consumer.run({ autoCommit: false, eachMessage: () => void count() }).catch(reject);
  });
  await consumer.disconnect();
  return (total / ms) * 1000;
}

/** Every number of a results object to 4 significant digits (the committed JSON stays readable and diffable). */
export const round4 = (o) => JSON.parse(JSON.stringify(o, (_, v) => (typeof v === "number" ? +v.toPrecision(4) : v)));
