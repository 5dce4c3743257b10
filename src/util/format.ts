/**
 * The lab's one formatting module: numbers, durations, byte sizes and rates as every summary, table, report
 * and progress line shows them. Units are spelled right: MiB = 2^20 bytes, MB = 10^6 bytes.
 */

/** A duration in ms in one unit chosen from `unitFrom` (default: itself): "812 µs", "412.3 ms", "2.41 s". */
export function formatDuration(ms: number, unitFrom: number = ms): string {
  if (!Number.isFinite(ms)) return "–";
  const ref = Math.abs(unitFrom);
  if (ref < 1) return `${(ms * 1000).toFixed(ref < 0.01 ? 2 : 0)} µs`;
  if (ref < 1000) return `${ms.toFixed(ref < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Seconds with one decimal, for elapsed times in progress lines: "12.3 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A number with thousands separators and a fixed number of decimals ("–" when not finite). */
export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A table cell: integers grouped, other numbers with up to `digits` decimals (none from 1,000 on), text as is. */
export function formatCell(v: unknown, digits = 2): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "–";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const d = Math.abs(v) >= 1000 ? 0 : digits;
  return v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: Math.abs(v) >= 1000 ? 0 : Math.min(d, 1) });
}

/** Milliseconds in a fixed-width-friendly form for function tables: "1234", "12.3", "0.123". */
export function formatMsCompact(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "–";
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(3);
}

export function formatPercent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}%` : "–";
}

export const MiB = 2 ** 20;
export const MB = 1e6;

/** Bytes in binary units (KiB, MiB, GiB: powers of 1024) or decimal ones (kB, MB, GB: powers of 1000). */
export function formatBytes(bytes: number, system: "binary" | "decimal" = "binary", digits = 1): string {
  if (!Number.isFinite(bytes)) return "–";
  const base = system === "binary" ? 1024 : 1000;
  const units = system === "binary" ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["B", "kB", "MB", "GB", "TB"];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${bytes < 0 ? "-" : ""}${i === 0 ? v.toFixed(0) : v.toFixed(digits)} ${units[i]}`;
}

/** Messages per second: "12,345 msg/s". */
export function formatRate(msgsPerSec: number): string {
  return `${formatNumber(msgsPerSec)} msg/s`;
}
