export { SpecSchema, MATRIX_KEYS, type ExperimentSpec, type SpecInput, type Fault, type ProfileSpec } from "./schema";
export { validateSpec, loadSpec, readSpecFile, type Configuration, type ValidatedSpec } from "./validate";
export { applySets, applyQuick, matrixPoints, matrixLabels, withParams } from "./matrix";
export { SpecError, type SpecIssue } from "./issues";
