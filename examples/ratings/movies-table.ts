/** The movie table both sinks maintain: movies.csv plus rating count and mean, read and written with papaparse. */
import fs from "node:fs";
import Papa from "papaparse";

export interface MovieRow {
  movieId: number;
  title: string;
  genres: string;
  ratings: number;
  meanRating: number;
}

export function readMovies(file: string): Map<number, MovieRow> {
  const parsed = Papa.parse<Record<string, string>>(fs.readFileSync(file, "utf8"), { header: true, skipEmptyLines: true });
  const movies = new Map<number, MovieRow>();
  for (const r of parsed.data) {
    const id = Number(r.movieId);
    movies.set(id, { movieId: id, title: r.title ?? "", genres: r.genres ?? "", ratings: Number(r.ratings ?? 0), meanRating: Number(r.meanRating ?? 0) });
  }
  return movies;
}

export function moviesCsv(movies: Map<number, MovieRow>): string {
  return Papa.unparse([...movies.values()], { columns: ["movieId", "title", "genres", "ratings", "meanRating"] }) + "\n";
}

/** Running mean: fold one more rating into a movie's row. */
export function applyRating(row: MovieRow, rating: number): void {
  row.ratings += 1;
  row.meanRating += (rating - row.meanRating) / row.ratings;
}
