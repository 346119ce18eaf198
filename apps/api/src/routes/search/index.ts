import type { App } from "../../app.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { registerSavedSearches } from "./saved-searches.ts";
import { registerSearch } from "./search.ts";

/** Search and saved searches. */
export function registerSearchRoutes(app: App): void {
  app.use("/api/v1/saved-searches", bodyLimitOf(64 * 1024));
  registerSearch(app);
  registerSavedSearches(app);
}
