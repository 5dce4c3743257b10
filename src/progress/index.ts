export { attachProgress, createProgressReporter, progressLine, inTslab, type ProgressReporter, type ProgressOption } from "./reporters";
