import { AppError, can } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context.ts";
import { pgErrorCode } from "./pg-error.ts";
import { brandingSchema, customDomainSchema, quotasSchema } from "./settings.ts";
import { withManagedTenant } from "./target-tenant.ts";
import { findTenant, type TenantView } from "./view.ts";

export const updateTenantInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    branding: brandingSchema.optional(),
    quotas: quotasSchema.optional(),
    customDomain: customDomainSchema.nullable().optional(),
    requireMfa: z.boolean().optional(),
    allowNonExpiringTokens: z.boolean().optional(),
  })
  .strict();

/**
 * Changes a tenant. Renaming needs `tenant.update`; branding, custom domain, quotas and token policy are the
 * MSSP's (`branding.update`), and so is requiring MFA (`tenant.require_mfa`): a client admin can lift none of
 * them. A client can never change its own quotas. Audited as `tenant.updated` with the changed fields.
 */
export async function updateTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof updateTenantInput> & { tenantId: string };
}): Promise<TenantView> {
  const { tenantId, ...changes } = input;
  return withManagedTenant(ctx, tenantId, "tenant.update", async (tx, tenant, audit) => {
    const msspOnly = ["branding", "quotas", "customDomain", "allowNonExpiringTokens"] as const;
    if (msspOnly.some((field) => changes[field] !== undefined) && !can(ctx.actor, "branding.update")) {
      throw new AppError("FORBIDDEN", "Only the MSSP changes branding, domains, quotas and token policy");
    }
    if (changes.requireMfa !== undefined && !can(ctx.actor, "tenant.require_mfa")) {
      throw new AppError("FORBIDDEN", "Only the MSSP decides whether MFA is required");
    }
    const settings = {
      ...tenant.settings,
      ...(changes.branding ? { branding: changes.branding } : {}),
      ...(changes.quotas ? { quotas: { ...tenant.settings.quotas, ...changes.quotas } } : {}),
      ...(changes.requireMfa !== undefined ? { requireMfa: changes.requireMfa } : {}),
      ...(changes.allowNonExpiringTokens !== undefined
        ? { allowNonExpiringTokens: changes.allowNonExpiringTokens }
        : {}),
    };
    try {
      await tx.execute(
        sql`update tenants set name = ${changes.name ?? tenant.name}, settings = ${JSON.stringify(settings)}::jsonb,
              custom_domain = ${changes.customDomain === undefined ? tenant.customDomain : changes.customDomain},
              updated_at = now()
            where id = ${tenant.id}`,
      );
    } catch (error) {
      if (pgErrorCode(error) === "23505")
        throw new AppError("CONFLICT", "That custom domain is already in use");
      throw error;
    }
    await audit({
      action: "tenant.updated",
      targetKind: "tenant",
      targetId: tenant.id,
      details: {
        fields: Object.keys(changes).filter((key) => changes[key as keyof typeof changes] !== undefined),
      },
    });
    const updated = await findTenant(tx, tenant.id);
    if (!updated) throw new AppError("INTERNAL", "The tenant disappeared while being updated");
    return updated;
  });
}
