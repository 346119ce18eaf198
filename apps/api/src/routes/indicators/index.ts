import type { App } from "../../app.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { registerCreateIndicator } from "./create.ts";
import { registerGetIndicator } from "./get.ts";
import { registerListIndicators } from "./list.ts";
import { registerLookupIndicators } from "./lookup.ts";
import { registerRelatedIndicators } from "./related.ts";
import { registerIndicatorTimeline } from "./timeline.ts";
import { registerUpdateIndicator } from "./update.ts";

/** Indicators under /api/v1/indicators: list, get (id or value), lookup, create, overlay update, timeline, related. */
export function registerIndicatorRoutes(app: App): void {
  // A lookup carries up to 10,000 values or 2 MB of text; everything else is small.
  app.use("/api/v1/indicators/lookup", bodyLimitOf(8 * 1024 * 1024));
  app.use("/api/v1/indicators", bodyLimitOf(256 * 1024));
  app.use("/api/v1/indicators/*", bodyLimitOf(256 * 1024));
  registerListIndicators(app);
  // Literal paths before `{id}`.
  registerGetIndicator(app);
  registerLookupIndicators(app);
  registerCreateIndicator(app);
  registerUpdateIndicator(app);
  registerIndicatorTimeline(app);
  registerRelatedIndicators(app);
}
