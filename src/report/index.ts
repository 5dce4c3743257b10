export { buildRunReport, writeRunReport, statsRows, statsTableHtml, functionTableHtml } from "./run-report";
export { htmlTable, fmtNumber, REPORT_CSS, type Column } from "./tables";
export { escapeHtml } from "./escape";
export { executeNotebooks, notebookFiles, type NotebookRunResult } from "./notebooks";
