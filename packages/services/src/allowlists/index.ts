export * from "./create.ts";
export * from "./delete.ts";
export * from "./entries.ts";
export * from "./list.ts";
