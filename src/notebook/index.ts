export { show, showHtml, showTable, showMarkdown, setupNotebook, notebookParams, showRunSummary, showStats, showAccounting, showFrame, showLinks, type NotebookParams } from "./display";
export { runLinks, type RunLink } from "./links";
