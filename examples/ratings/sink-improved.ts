/**
 * The improved movie-data sink: ratings update an in-memory table; `flush()` writes the CSV in the
 * background every few seconds (temp file + rename, so the file is never half-written). With
 * `consumers.commit: after-flush` the lab commits offsets only after a flush succeeded — a crash
 * between flushes loses nothing: the uncommitted ratings are delivered again.
 */
import fs from "node:fs";
import path from "node:path";
import type { ConsumedMessage, RoleContext } from "kafka-perf-lab";
import { ensureMovieLens } from "./data";
import { applyRating, moviesCsv, readMovies, type MovieRow } from "./movies-table";

let file = "";
let movies = new Map<number, MovieRow>();
let dirty = false;

export function init(ctx: RoleContext): void {
  file = path.join(ctx.workDir, "movies.csv");
  fs.copyFileSync(ensureMovieLens().moviesCsv, file);
  movies = readMovies(file);
}

export function handle(message: ConsumedMessage): void {
  const rating = JSON.parse(message.value!.toString()) as { movieId: number; rating: number };
  const row = movies.get(rating.movieId);
  if (row) applyRating(row, rating.rating);
  dirty = true;
}

export async function flush(): Promise<void> {
  if (!dirty) return;
  dirty = false;
  await fs.promises.writeFile(file + ".tmp", moviesCsv(movies));
  await fs.promises.rename(file + ".tmp", file);
}

export async function close(): Promise<void> {
  await flush();
}
