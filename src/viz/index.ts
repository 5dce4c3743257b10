export * from "./figures";
export { plotlyBundle, plotlyScriptTag, figureHtml } from "./html";
