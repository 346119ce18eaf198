export * from "./context.ts";
