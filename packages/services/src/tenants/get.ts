import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "./target-tenant.ts";
import type { TenantView } from "./view.ts";

/** One tenant within the actor's reach (its own, or an MSSP's client); NOT_FOUND otherwise. */
export function getTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string };
}): Promise<TenantView> {
  return withManagedTenant(ctx, input.tenantId, "tenant.read", async (_tx, tenant) => tenant);
}
