export * from "./import.ts";
export * from "./keys.ts";
export * from "./list.ts";
export * from "./match.ts";
export * from "./schedule.ts";
