export { buildRunReport, writeRunReport } from "./run-report";
export { statsRows, statsTableHtml, functionTableHtml } from "./sections";
export { htmlTable, fmtNumber, REPORT_CSS, type Column } from "./tables";
export { escapeHtml } from "./escape";
export { executeNotebooks, notebookFiles, type NotebookRunResult } from "./notebooks";
export { attachReportWriter } from "./subscriber";
