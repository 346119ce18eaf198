import type { App } from "../../app.ts";
import { registerCreateSightings } from "./create.ts";

/** Sightings in from the tenant's tools. */
export function registerSightingRoutes(app: App): void {
  registerCreateSightings(app);
}
