/**
 * The naive movie-data sink (the course's bottleneck): for EVERY rating it reads the whole movies CSV,
 * updates one row and rewrites the whole file. Correct, simple, and O(file size) per message.
 */
import fs from "node:fs";
import path from "node:path";
import type { ConsumedMessage, RoleContext } from "kafka-perf-lab";
import { ensureMovieLens } from "./data";
import { applyRating, moviesCsv, readMovies } from "./movies-table";

let file = "";

export function init(ctx: RoleContext): void {
  file = path.join(ctx.workDir, "movies.csv");
  fs.copyFileSync(ensureMovieLens().moviesCsv, file);
}

export function handle(message: ConsumedMessage): void {
  const rating = JSON.parse(message.value!.toString()) as { movieId: number; rating: number };
  const movies = readMovies(file);
  const row = movies.get(rating.movieId);
  if (row) applyRating(row, rating.rating);
  fs.writeFileSync(file, moviesCsv(movies));
}
