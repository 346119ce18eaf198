import { can } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

export interface TokenView {
  id: string;
  name: string;
  hint: string;
  userId: string | null;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  ipAllowlist: string[];
  revokedAt: string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * The acting tenant's API tokens (never their secrets): all of them for admins (`token.manage`), otherwise
 * the caller's own personal tokens.
 */
export async function listTokens({
  ctx,
}: {
  ctx: ServiceContext;
  input?: Record<string, never>;
}): Promise<TokenView[]> {
  authorizeAction(ctx, "token.read");
  const all = can(ctx.actor, "token.manage");
  const ownerFilter = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return inTenantTx(ctx, async (tx) => {
    const result = await tx.execute<{
      id: string;
      name: string;
      token_prefix: string;
      user_id: string | null;
      scopes: string[];
      created_at: Date | string;
      expires_at: Date | string | null;
      last_used_at: Date | string | null;
      last_used_ip: string | null;
      ip_allowlist: string[];
      revoked_at: Date | string | null;
    }>(
      sql`select id, name, token_prefix, user_id, scopes, created_at, expires_at, last_used_at, host(last_used_ip) as last_used_ip,
                 ip_allowlist, revoked_at
          from api_tokens
          where tenant_id = ${ctx.tenant.tenantId} and (${all} or user_id = ${ownerFilter})
          order by created_at desc limit 1000`,
    );
    return result.rows.map((row) => ({
      id: row.id,
      name: row.name,
      hint: row.token_prefix,
      userId: row.user_id,
      scopes: row.scopes,
      createdAt: iso(row.created_at) ?? "",
      expiresAt: iso(row.expires_at),
      lastUsedAt: iso(row.last_used_at),
      lastUsedIp: row.last_used_ip,
      ipAllowlist: row.ip_allowlist,
      revokedAt: iso(row.revoked_at),
    }));
  });
}
