import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "./target-tenant.ts";
import { findTenant, type TenantView } from "./view.ts";

/**
 * Suspends (or resumes) a client tenant: its users can then only sign out, its API tokens stop at once. MSSP
 * admins only, never on their own tenant. Audited as `tenant.suspended` / `tenant.resumed`.
 */
export async function suspendTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string; suspended: boolean };
}): Promise<TenantView> {
  return withManagedTenant(ctx, input.tenantId, "tenant.suspend", async (tx, tenant, audit) => {
    if (tenant.kind !== "client" || ctx.actor.tenantId === tenant.id) {
      throw new AppError("FORBIDDEN", "Only a client tenant can be suspended, by its MSSP");
    }
    await tx.execute(
      sql`update tenants set suspended_at = ${input.suspended ? ctx.now().toISOString() : null}, updated_at = now()
          where id = ${tenant.id}`,
    );
    await audit({
      action: input.suspended ? "tenant.suspended" : "tenant.resumed",
      targetKind: "tenant",
      targetId: tenant.id,
    });
    const updated = await findTenant(tx, tenant.id);
    if (!updated) throw new AppError("INTERNAL", "The tenant disappeared while being suspended");
    return updated;
  });
}
