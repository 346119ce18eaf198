import { AppError, newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { pgErrorCode } from "./pg-error.ts";
import { brandingSchema, customDomainSchema, quotasSchema, slugSchema } from "./settings.ts";
import { findTenant, type TenantView } from "./view.ts";

export const createTenantInput = z.object({
  name: z.string().trim().min(1).max(200),
  slug: slugSchema,
  branding: brandingSchema.optional(),
  quotas: quotasSchema.optional(),
  customDomain: customDomainSchema.optional(),
  requireMfa: z.boolean().optional(),
  allowNonExpiringTokens: z.boolean().optional(),
});

/**
 * An MSSP creates a client tenant under itself (the platform creates MSSPs). The new tenant's parent is the
 * acting tenant, never input; audited as `tenant.created` in the parent's log.
 */
export async function createTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof createTenantInput>;
}): Promise<TenantView> {
  authorizeAction(ctx, "tenant.create");
  return inTenantTx(ctx, async (tx) => {
    const parent = await findTenant(tx, ctx.tenant.tenantId);
    if (!parent || parent.kind === "client") {
      throw new AppError("FORBIDDEN", "Only an MSSP (or the platform) creates tenants");
    }
    const kind = parent.kind === "platform" ? "mssp" : "client";
    const id = newId("tenant", ctx.now().getTime());
    const settings = {
      ...(input.branding ? { branding: input.branding } : {}),
      ...(input.quotas ? { quotas: input.quotas } : {}),
      ...(input.requireMfa !== undefined ? { requireMfa: input.requireMfa } : {}),
      ...(input.allowNonExpiringTokens !== undefined
        ? { allowNonExpiringTokens: input.allowNonExpiringTokens }
        : {}),
    };
    try {
      await tx.execute(
        sql`insert into tenants (id, parent_id, kind, name, slug, settings, custom_domain)
            values (${id}, ${parent.id}, ${kind}, ${input.name}, ${input.slug}, ${JSON.stringify(settings)}::jsonb,
                    ${input.customDomain ?? null})`,
      );
    } catch (error) {
      if (pgErrorCode(error) === "23505") {
        throw new AppError("CONFLICT", "That slug or custom domain is already in use");
      }
      throw error;
    }
    await recordAudit(ctx, tx, {
      action: "tenant.created",
      targetKind: "tenant",
      targetId: id,
      details: { name: input.name, slug: input.slug, kind },
    });
    const created = await findTenant(tx, id);
    if (!created) throw new AppError("INTERNAL", "The new tenant is not visible to its parent");
    return created;
  });
}
