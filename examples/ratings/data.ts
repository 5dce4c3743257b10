/**
 * A MovieLens-like data set, generated — no download: movies.csv (movieId,title,genres) and
 * ratings.csv (userId,movieId,rating,timestamp). Seeded, so the same arguments give the same bytes.
 * Movie popularity follows a Zipf-like law (a few movies get most ratings), as in the real data.
 */
import fs from "node:fs";
import path from "node:path";
import seedrandom from "seedrandom";
import { ensureBuilt, stateDir } from "kafka-perf-lab";

export interface MovieLensOptions {
  movies?: number;
  ratings?: number;
  users?: number;
  seed?: number;
  /** Default: `.perflab/data/movielens-<seed>-<movies>-<ratings>/` of the workspace. */
  dir?: string;
}

export interface MovieLensFiles {
  dir: string;
  moviesCsv: string;
  ratingsCsv: string;
}

const GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];
const WORDS = ["Last", "Night", "City", "River", "Dark", "Summer", "Return", "Secret", "Long", "Road", "Blue", "Story", "King", "Dream", "Winter", "Fire", "Silent", "Garden", "Storm", "Star"];

/**
 * Generate the data set once (cached on disk) and return its files. Several producer roles call this at
 * the same moment on a fresh machine: ensureBuilt makes it exactly once (a lock, then an atomic rename of
 * a private folder), so none of them sees half a file or races another's rename.
 */
export function ensureMovieLens(opts: MovieLensOptions = {}): MovieLensFiles {
  const movies = opts.movies ?? 1000;
  const ratings = opts.ratings ?? 50_000;
  const users = opts.users ?? 2000;
  const seed = opts.seed ?? 7;
  const dir = opts.dir ?? path.join(stateDir(), "data", `movielens-${seed}-${movies}-${ratings}`);
  const files = { dir, moviesCsv: path.join(dir, "movies.csv"), ratingsCsv: path.join(dir, "ratings.csv") };
  ensureBuilt(dir, (tmp) => generate(tmp, { movies, ratings, users, seed }), { directory: true });
  return files;
}

function generate(dir: string, o: { movies: number; ratings: number; users: number; seed: number }): void {
  const { movies, ratings, users, seed } = o;
  const rng = seedrandom(String(seed));
  const movieLines = ["movieId,title,genres"];
  for (let m = 1; m <= movies; m++) {
    const title = `${WORDS[Math.floor(rng() * WORDS.length)]} ${WORDS[Math.floor(rng() * WORDS.length)]} (${1950 + Math.floor(rng() * 75)})`;
    const g = new Set<string>();
    for (let k = 0; k < 1 + Math.floor(rng() * 3); k++) g.add(GENRES[Math.floor(rng() * GENRES.length)]!);
    movieLines.push(`${m},"${title}",${[...g].join("|")}`);
  }
  // Zipf-like popularity: weight 1/rank^0.9, sampled through the cumulative distribution.
  const weights = Array.from({ length: movies }, (_, i) => 1 / Math.pow(i + 1, 0.9));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  weights.reduce((acc, w, i) => (cdf[i] = acc + w / total), 0);
  const ratingLines = ["userId,movieId,rating,timestamp"];
  let ts = 1_600_000_000;
  for (let r = 0; r < ratings; r++) {
    const u = rng();
    let lo = 0;
    let hi = movies - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    const stars = Math.max(0.5, Math.min(5, Math.round((3.5 + (rng() + rng() + rng() - 1.5) * 1.6) * 2) / 2));
    ts += Math.floor(rng() * 60);
    ratingLines.push(`${1 + Math.floor(rng() * users)},${lo + 1},${stars.toFixed(1)},${ts}`);
  }
  fs.writeFileSync(path.join(dir, "movies.csv"), movieLines.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "ratings.csv"), ratingLines.join("\n") + "\n");
}

export interface Rating {
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
}

/** Parse ratings.csv lines (the generator writes no quotes in this file). */
export function readRatings(file: string): Rating[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: Rating[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const [u, m, r, t] = line.split(",");
    out.push({ userId: Number(u), movieId: Number(m), rating: Number(r), timestamp: Number(t) });
  }
  return out;
}
