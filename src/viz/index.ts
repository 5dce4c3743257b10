export * from "./figures";
export { plotlyBundle, plotlyScriptTag, figureHtml } from "./html";
export { show, showHtml, showTable, showMarkdown, setupNotebook, notebookParams, showRunSummary, showStats, showAccounting, showFrame, gcPauses, type NotebookParams } from "./notebook";
