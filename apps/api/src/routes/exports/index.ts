import type { App } from "../../app.ts";
import { registerExportIndicators } from "./export.ts";
import { registerMispFeed } from "./misp-feed.ts";

/** Streamed exports and the MISP feed layout. */
export function registerExportRoutes(app: App): void {
  // The feed's literal paths before `/exports/{format}`.
  registerMispFeed(app);
  registerExportIndicators(app);
}
