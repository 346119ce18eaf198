export * from "./submit.ts";
