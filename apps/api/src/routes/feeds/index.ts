import type { App } from "../../app.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { registerListFeedRuns, registerListFeeds } from "./list.ts";
import { registerManageFeeds } from "./manage.ts";

/** Feeds under /api/v1/feeds: list with health, runs, subscriptions, private feeds, platform operations. */
export function registerFeedRoutes(app: App): void {
  app.use("/api/v1/feeds", bodyLimitOf(64 * 1024));
  app.use("/api/v1/feeds/*", bodyLimitOf(64 * 1024));
  registerListFeeds(app);
  // Literal paths (dead-letters, sync) are registered before `{id}` routes inside.
  registerManageFeeds(app);
  registerListFeedRuns(app);
}
