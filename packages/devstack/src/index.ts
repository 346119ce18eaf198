export * from "./postgres.ts";
export * from "./ws-bridge.ts";
