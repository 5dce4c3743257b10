/**
 * Producer source of the example pipeline: each producer role publishes ratings from the generated
 * ratings.csv (producer i starts at its own offset, like the course's "ten rating producers"),
 * keyed by movieId so all ratings of a movie land in one partition.
 */
import type { RoleContext, OutgoingMessage } from "kafka-perf-lab";
import { ensureMovieLens, readRatings } from "./data";

export function* source(ctx: RoleContext): Generator<OutgoingMessage> {
  const ratings = readRatings(ensureMovieLens().ratingsCsv);
  let i = (ctx.index * 7919) % ratings.length;
  for (;;) {
    const r = ratings[i]!;
    yield { key: String(r.movieId), value: JSON.stringify(r) };
    i = (i + 1) % ratings.length;
  }
}
