import type { App } from "../app.ts";
import { registerHealth } from "./health.ts";

/**
 * Every route module registers itself here, one line per area, so the app's surface reads in one place.
 * Keep route files thin: parse input, build a ServiceContext, call a service, shape the response.
 */
export function registerRoutes(app: App): void {
  registerHealth(app);
}
