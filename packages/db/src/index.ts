export * from "./bulk.ts";
export * from "./client.ts";
export * from "./indicator-key-map.ts";
export * from "./roles.ts";
export * as schema from "./schema.ts";
export * from "./schema.ts";
export * from "./tenant-read.ts";
export * from "./tenant-tx.ts";
