/**
 * The improved movie-data sink: ratings update an in-memory table; `flush()` writes the CSV in the
 * background every few seconds (temp file + rename, so the file is never half-written). With
 * `consumers.commit: after-flush` the lab commits offsets only after a flush succeeded — a crash
 * between flushes loses nothing: the uncommitted ratings are delivered again.
 *
 * The CSV is the sink's database: one per repetition, shared by the consumers of a configuration, so a
 * consumer that takes over after a crash (`add-consumer` after `kill-consumer`) starts from what was saved.
 */
import fs from "node:fs";
import path from "node:path";
import { roleContext, type ConsumedMessage, type RoleContext } from "kafka-perf-lab";
import { ensureMovieLens } from "./data";
import { applyRating, moviesCsv, readMovies, type MovieRow } from "./movies-table";

let dir = "";
let file = "";
let loadedRep = -1;
let movies = new Map<number, MovieRow>();
let dirty = false;

export function init(ctx: RoleContext): void {
  dir = path.dirname(ctx.workDir);
}

/** This repetition's table: loaded from its CSV (saved by an earlier consumer of the repetition, or fresh). */
function table(): Map<number, MovieRow> {
  const rep = roleContext()?.rep ?? 0;
  if (rep !== loadedRep) {
    file = path.join(dir, `movies-rep${rep}.csv`);
    if (!fs.existsSync(file)) fs.copyFileSync(ensureMovieLens().moviesCsv, file);
    movies = readMovies(file);
    loadedRep = rep;
  }
  return movies;
}

export function handle(message: ConsumedMessage): void {
  const rating = JSON.parse(message.value!.toString()) as { movieId: number; rating: number };
  const row = table().get(rating.movieId);
  if (row) applyRating(row, rating.rating);
  dirty = true;
}

export async function flush(): Promise<void> {
  if (!dirty || !file) return;
  dirty = false;
  await fs.promises.writeFile(file + ".tmp", moviesCsv(movies));
  await fs.promises.rename(file + ".tmp", file);
}

export async function close(): Promise<void> {
  await flush();
}
