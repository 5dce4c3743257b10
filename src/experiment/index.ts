export { ExperimentRun, type EngineOptions, type RunResult } from "./engine";
export type { RunEvents, ProgressState } from "./events";
export { newRunId, planRepetitions, type RepPlan, type RoleMode } from "./plan";
export { topicFor } from "./repetition";
export { collectorCost } from "./collector-cost";
