export * from "./histogram";
export * from "./idset";
export * from "./series";
export * from "./clock";
export * from "./journal";
export * from "./offsets";
