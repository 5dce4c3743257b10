export { statsFrame, topFrame, frameRows, repetitionFrame, passFrame, allocationFrame, gcPauseFrame, categoryFrame, diffFrame, type Pass } from "./danfo-stats";
export { latencyOfRep, partitionDistribution } from "./series";
export { configLabel, latencyOf, seriesOf, defaultRep, faultMarkers, lostMessagesOf, type SeriesLine, type FaultMarker, type Distribution } from "./series";
export { configurationSummary, runSummaryText, warningsFor, meanPlusMinus, intervalText, accountingLine, type ConfigurationSummaryInput } from "./summary-text";
export { runFrames, toDataFrame, columnsToDataFrame, latencySamplesFrame, functionFrame, danfojs, type RunFrames } from "./frames";
