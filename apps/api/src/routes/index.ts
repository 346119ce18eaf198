import type { App } from "../app.ts";
import { registerTaxii } from "../taxii/routes.ts";
import { registerAllowlistRoutes } from "./allowlists/index.ts";
import { registerAuditRoutes } from "./audit/index.ts";
import { registerAuthRoutes } from "./auth/index.ts";
import { registerBlocklistRoutes } from "./blocklists/index.ts";
import { registerBrandingRoutes } from "./branding/index.ts";
import { registerDashboardRoutes } from "./dashboard/index.ts";
import { registerDocsRoutes } from "./docs/index.ts";
import { registerExportRoutes } from "./exports/index.ts";
import { registerFeedRoutes } from "./feeds/index.ts";
import { registerHealth } from "./health.ts";
import { registerImportRoutes } from "./imports/index.ts";
import { registerIndicatorRoutes } from "./indicators/index.ts";
import { registerInvitationRoutes } from "./invitations/index.ts";
import { registerScoringRoutes } from "./scoring/index.ts";
import { registerSearchRoutes } from "./search/index.ts";
import { registerSightingRoutes } from "./sightings/index.ts";
import { registerTenantRoutes } from "./tenants/index.ts";
import { registerTokenRoutes } from "./tokens/index.ts";
import { registerUserRoutes } from "./users/index.ts";

/**
 * Every route module registers itself here, one line per area, so the app's surface reads in one place.
 * Keep route files thin: parse input, build a ServiceContext, call a service, shape the response.
 */
export function registerRoutes(app: App): void {
  registerHealth(app);
  registerAuthRoutes(app);
  registerBrandingRoutes(app);
  registerTenantRoutes(app);
  registerInvitationRoutes(app);
  registerUserRoutes(app);
  registerTokenRoutes(app);
  registerAuditRoutes(app);
  registerFeedRoutes(app);
  registerImportRoutes(app);
  registerIndicatorRoutes(app);
  registerSightingRoutes(app);
  registerSearchRoutes(app);
  registerExportRoutes(app);
  registerBlocklistRoutes(app);
  registerTaxii(app);
  registerAllowlistRoutes(app);
  registerScoringRoutes(app);
  registerDashboardRoutes(app);
  // Last: the OpenAPI document lists every route registered before it.
  registerDocsRoutes(app);
}
