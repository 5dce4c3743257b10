export { readCpuProfile, parseCpuProfile, checkCpuProfile, ProfileError, type CpuProfile, type CpuProfileNode } from "./cpuprofile";
export { functionTable, topFunctions, timeByCategory, categorize, type FunctionTable, type FunctionRow, type Category, type CallCounts, type CallCountEntry, type PositionMap, type RankBy, type TableOptions } from "./table";
export { callTree, type CallTree } from "./calltree";
export { diffTables, type DiffRow, type ProfileDiff } from "./diff";
export { readHeapProfile, allocationTable, type HeapProfile, type AllocationRow } from "./heap";
export { mapPositionsFromFiles } from "./sourcemap";
export { runProfiles, runFunctionTable, runCallTree, runAllocationTable, type RoleProfiles } from "./run-profiles";
export { flamegraphDir } from "./zerox";
