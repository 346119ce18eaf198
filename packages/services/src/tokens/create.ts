import { createApiToken, parseIpAllowlist, validateTokenExpiry } from "@threatfusion/auth";
import { AppError, grantableScopes, isTokenScope, type TokenScope } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { findTenant } from "../tenants/view.ts";

export const createTokenInput = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.string().refine(isTokenScope, "not a token scope")).min(1).max(10),
  /** ISO time; null for no expiry (only where the MSSP allows it). */
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
  ipAllowlist: z.array(z.string().max(64)).max(50).optional(),
});

export interface CreatedToken {
  id: string;
  /** Shown once; only its hash is stored. */
  token: string;
  name: string;
  hint: string;
  scopes: TokenScope[];
  expiresAt: string | null;
  ipAllowlist: string[];
}

/**
 * Creates an API token in the acting tenant. Only signed-in people mint tokens (a token cannot mint tokens),
 * and never with a scope their own role does not already allow. Expiry between 5 minutes and a year, or
 * none where the MSSP allows it; an optional IP/CIDR allowlist. Counts against the tenant's token quota.
 * A person acting in their own tenant gets a personal token (it dies with their membership); MSSP staff acting
 * in a client create a token owned by that client. Audited as `token.created`.
 */
export async function createToken({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof createTokenInput>;
}): Promise<CreatedToken> {
  authorizeAction(ctx, "token.create");
  if (ctx.actor.kind !== "user") throw new AppError("FORBIDDEN", "API tokens cannot create API tokens");
  const creator = ctx.actor;
  const scopes = [...new Set(input.scopes as TokenScope[])];
  const allowed = grantableScopes(creator.role);
  const excess = scopes.filter((scope) => !allowed.includes(scope));
  if (excess.length > 0) {
    throw new AppError("FORBIDDEN", `Your role cannot grant the scopes: ${excess.join(", ")}`, {
      details: { excess },
    });
  }
  let cidrs: string[] = [];
  if (input.ipAllowlist && input.ipAllowlist.length > 0) {
    const parsed = parseIpAllowlist(input.ipAllowlist);
    if (!parsed.ok) {
      throw new AppError(
        "VALIDATION_FAILED",
        `ipAllowlist: not an address or CIDR range: ${parsed.invalid.join(", ")}`,
      );
    }
    cidrs = parsed.cidrs;
  }
  const now = ctx.now();
  return inTenantTx(ctx, async (tx) => {
    const tenant = await findTenant(tx, ctx.tenant.tenantId);
    if (!tenant) throw new AppError("NOT_FOUND", "No such tenant");
    const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
    const expiry = validateTokenExpiry({
      expiresAt,
      now,
      allowNoExpiry: tenant.settings.allowNonExpiringTokens === true,
    });
    if (!expiry.ok) {
      const why = {
        too_soon: "at least 5 minutes from now",
        too_late: "at most one year from now",
        expiry_required: "required: this tenant does not allow tokens without expiry",
      }[expiry.reason];
      throw new AppError("VALIDATION_FAILED", `expiresAt: ${why}`);
    }
    const quota = tenant.settings.quotas?.tokens;
    if (quota !== undefined) {
      const live = await tx.execute<{ n: number }>(
        sql`select count(*)::int as n from api_tokens where tenant_id = ${tenant.id} and revoked_at is null
              and (expires_at is null or expires_at > now())`,
      );
      if ((live.rows[0]?.n ?? 0) >= quota)
        throw new AppError("CONFLICT", `The tenant's token quota (${quota}) is reached`);
    }
    const personal = creator.tenantId === tenant.id;
    const created = await createApiToken(now.getTime());
    await tx.execute(
      sql`insert into api_tokens (id, tenant_id, user_id, name, token_prefix, token_hash, scopes, expires_at, ip_allowlist, created_at)
          values (${created.id}, ${tenant.id}, ${personal ? creator.userId : null}, ${input.name}, ${created.hint},
                  ${created.secretHash}, ${sql.param(scopes)}::text[], ${expiresAt?.toISOString() ?? null}, ${sql.param(cidrs)}::text[], ${now.toISOString()})`,
    );
    await recordAudit(ctx, tx, {
      action: "token.created",
      targetKind: "api_token",
      targetId: created.id,
      details: { name: input.name, scopes, expiresAt: expiresAt?.toISOString() ?? null, ipAllowlist: cidrs },
    });
    return {
      id: created.id,
      token: created.token,
      name: input.name,
      hint: created.hint,
      scopes,
      expiresAt: expiresAt?.toISOString() ?? null,
      ipAllowlist: cidrs,
    };
  });
}
