export * from "./create-private-feed.ts";
export * from "./list-feed-runs.ts";
export * from "./list-feeds.ts";
export * from "./manage-global-feeds.ts";
export * from "./subscribe-feed.ts";
export * from "./sync-catalog.ts";
