import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { findTenant, listChildTenants, type TenantView } from "./view.ts";

/** The acting tenant and the tenants it manages (an MSSP's clients; none for a client). */
export async function listTenants({
  ctx,
}: {
  ctx: ServiceContext;
  input?: Record<string, never>;
}): Promise<{ tenant: TenantView | null; children: TenantView[] }> {
  authorizeAction(ctx, "tenant.read");
  return inTenantTx(ctx, async (tx) => {
    const tenant = (await findTenant(tx, ctx.tenant.tenantId)) ?? null;
    const children = tenant && tenant.kind !== "client" ? await listChildTenants(tx, tenant.id) : [];
    return { tenant, children };
  });
}
