export * from "./confidence.ts";
export * from "./decay.ts";
export * from "./model.ts";
export * from "./rescore.ts";
export * from "./score.ts";
export * from "./suppression/index.ts";
