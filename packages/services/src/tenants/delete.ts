import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "./target-tenant.ts";

export const deleteTenantInput = z.object({
  /** Typing the slug again guards against deleting the wrong tenant. */
  confirmSlug: z.string(),
  /** The caller confirms the tenant's data was exported first (the export itself is audited by exports). */
  dataExported: z.literal(true),
});

/**
 * Deletes a client tenant after its data was exported: it must be suspended first; it is archived at once
 * (invisible, sign-in and tokens refused) and its rows are purged by the operator's retention job. The audit
 * log is kept. Audited as `tenant.deleted`.
 */
export async function deleteTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof deleteTenantInput> & { tenantId: string };
}): Promise<void> {
  await withManagedTenant(ctx, input.tenantId, "tenant.delete", async (tx, tenant, audit) => {
    if (tenant.kind !== "client" || ctx.actor.tenantId === tenant.id) {
      throw new AppError("FORBIDDEN", "Only a client tenant can be deleted, by its MSSP");
    }
    if (tenant.suspendedAt === null)
      throw new AppError("PRECONDITION_FAILED", "Suspend the tenant before deleting it");
    if (input.confirmSlug !== tenant.slug)
      throw new AppError("PRECONDITION_FAILED", "confirmSlug does not match");
    await audit({
      action: "tenant.deleted",
      targetKind: "tenant",
      targetId: tenant.id,
      details: { slug: tenant.slug },
    });
    await tx.execute(
      sql`update tenants set archived_at = ${ctx.now().toISOString()}, updated_at = now() where id = ${tenant.id}`,
    );
    await tx.execute(sql`delete from sessions where tenant_id = ${tenant.id}`);
    await tx.execute(
      sql`update api_tokens set revoked_at = coalesce(revoked_at, now()) where tenant_id = ${tenant.id}`,
    );
  });
}
