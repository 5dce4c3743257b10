import { escapeHtml } from "./escape";
import { formatCell } from "../util/format";

export interface Column<T> {
  key: keyof T | string;
  label: string;
  /** Cell text; default: the value as text, numbers with up to 2 decimals. */
  format?: (row: T) => string;
  align?: "left" | "right";
}

/** A number as report tables show it (util/format's formatCell). */
export const fmtNumber = formatCell;

/** An HTML table (escaped). Numbers right-aligned. */
export function htmlTable<T extends object>(rows: T[], columns: Array<Column<T>>, opts: { caption?: string; className?: string } = {}): string {
  const head = columns.map((c) => `<th class="${c.align === "right" ? "num" : ""}">${escapeHtml(c.label)}</th>`).join("");
  const body = rows
    .map((r) => {
      const cells = columns.map((c) => {
        const v = (r as Record<string, unknown>)[c.key as string];
        const text = c.format ? c.format(r) : fmtNumber(v);
        const right = c.align ? c.align === "right" : typeof v === "number";
        return `<td class="${right ? "num" : ""}">${escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table class="${opts.className ?? "plab-table"}">${opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : ""}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export const REPORT_CSS = `
:root{--fg:#1d2733;--muted:#5b6775;--line:#e3e7ec;--bg2:#f6f8fa;--accent:#0b62c4}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0;padding:1.5rem 2rem;max-width:1200px}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}h3{font-size:1.05rem;margin-top:1.4rem}
p.muted,small,.muted{color:var(--muted)}a{color:var(--accent)}
table.plab-table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px}
.plab-table th,.plab-table td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
.plab-table th{background:var(--bg2);font-weight:600}.plab-table td.num,.plab-table th.num{text-align:right;font-variant-numeric:tabular-nums}
.plab-table caption{text-align:left;color:var(--muted);padding:.2rem 0;caption-side:top}
pre{background:var(--bg2);padding:.8rem 1rem;overflow-x:auto;font-size:12.5px;line-height:1.45;border-radius:4px}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:12px;font-weight:600}
.state-completed{background:#dcfce7;color:#166534}.state-errored{background:#fee2e2;color:#991b1b}.state-interrupted{background:#ffedd5;color:#9a3412}.state-running{background:#e0f2fe;color:#075985}
.warn{background:#fff8e6;border-left:4px solid #f0b429;padding:.5rem .8rem;margin:.5rem 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}@media(max-width:900px){.grid{grid-template-columns:1fr}}
dl.env{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}dl.env dt{color:var(--muted)}dl.env dd{margin:0}
`;
