import type { App } from "../../app.ts";
import { registerCreateTenant } from "./create.ts";
import { registerDeleteTenant } from "./delete.ts";
import { registerGetTenant } from "./get.ts";
import { registerListTenants } from "./list.ts";
import { registerSuspendTenant } from "./suspend.ts";
import { registerUpdateTenant } from "./update.ts";

/** Tenant lifecycle under /api/v1/tenants. */
export function registerTenantRoutes(app: App): void {
  registerListTenants(app);
  registerCreateTenant(app);
  registerGetTenant(app);
  registerUpdateTenant(app);
  registerSuspendTenant(app);
  registerDeleteTenant(app);
}
