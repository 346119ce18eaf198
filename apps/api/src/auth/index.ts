export * from "./authenticate.ts";
export * from "./request-database.ts";
export * from "./request-facts.ts";
export * from "./require-actor.ts";
export * from "./service-context.ts";
