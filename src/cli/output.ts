/** Small terminal helpers shared by CLI commands. */

/** Left-aligned text table; the first row is the header. Hand-written: ten lines beat a dependency here. */
export function formatTable(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** Progress lines go to stderr so stdout stays machine-readable (bootstrap list, run directory). */
export function progressLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

export { formatSeconds as seconds } from "../util/format";
