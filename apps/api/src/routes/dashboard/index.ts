import type { App } from "../../app.ts";
import { registerDashboardSummary } from "./summary.ts";

/** The portal's dashboard under /api/v1/dashboard. */
export function registerDashboardRoutes(app: App): void {
  registerDashboardSummary(app);
}
