export * from "./dev-stack.ts";
export * from "./postgres.ts";
export type { DemoAccount, DemoSeedResult } from "./seed.ts";
export * from "./throwaway-database.ts";
export * from "./ws-bridge.ts";
