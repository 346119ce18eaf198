import {
  apiTokenExpired,
  ipAllowed,
  parseApiToken,
  type RateLimitPolicy,
  verifyApiTokenSecret,
} from "@threatfusion/auth";
import {
  grantableScopes,
  isRole,
  isTokenScope,
  type TenantTarget,
  type TokenActor,
  type TokenScope,
} from "@threatfusion/core";
import { readWithoutTenant, withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";
import { tenantTargetOf } from "../tenants/target.ts";

/** Request budgets of a tenant's tokens; an MSSP may set others in the tenant's `settings.rateLimits`. */
export const defaultTokenRateLimits = {
  perToken: { limit: 600, periodSeconds: 60, burst: 120 },
  perTenant: { limit: 3000, periodSeconds: 60, burst: 600 },
} as const satisfies Record<string, RateLimitPolicy>;

export type TokenAuthentication =
  | {
      ok: true;
      actor: TokenActor;
      tenant: TenantTarget;
      rateLimits: { perToken: RateLimitPolicy; perTenant: RateLimitPolicy };
      /** When the token expires (ISO), for callers that keep a verified token for a moment. */
      expiresAt: string | null;
      /** True when the token may be used only from listed addresses (checked per request). */
      ipPinned: boolean;
    }
  | {
      ok: false;
      reason:
        | "malformed"
        | "unknown"
        | "bad_secret"
        | "expired"
        | "revoked"
        | "owner_gone"
        | "tenant_unavailable"
        | "ip_not_allowed";
    };

interface TokenRow extends Record<string, unknown> {
  token_id: string;
  tenant_id: string;
  user_id: string | null;
  token_hash: string;
  scopes: string[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  ip_allowlist: string[];
  last_used_at: Date | string | null;
  last_used_ip: string | null;
  tenant_kind: string;
  tenant_parent_id: string | null;
  tenant_archived_at: Date | string | null;
  tenant_suspended_at: Date | string | null;
  tenant_settings: Record<string, unknown> | null;
  user_role: string | null;
  user_disabled_at: Date | string | null;
}

// Writing last use on every request would cost a write per call; once a minute (or on a new address) is
// precise enough for "last used" and for the audit trail of token use.
const lastUseWriteIntervalMs = 60_000;

function policyFrom(value: unknown, fallback: RateLimitPolicy): RateLimitPolicy {
  if (typeof value !== "object" || value === null) return fallback;
  const perMinute = (value as { perMinute?: unknown }).perMinute;
  if (typeof perMinute !== "number" || !Number.isInteger(perMinute) || perMinute < 1) return fallback;
  return {
    limit: perMinute,
    periodSeconds: 60,
    burst: Math.max(1, Math.min(perMinute, fallback.burst ?? perMinute)),
  };
}

/**
 * Verifies an API token (`tf_<id>_<secret><crc>`): lookup by row id through the narrow definer function,
 * constant-time secret check, expiry, revocation, the tenant not suspended or archived, the owner still a
 * member, and the IP allowlist. A personal token never carries more than its owner's current role allows.
 * Records last use (time and address) and a `token.used` audit event at most once a minute per token.
 */
export async function authenticateToken({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: { token: string };
}): Promise<TokenAuthentication> {
  const parsed = parseApiToken(input.token);
  if (parsed === null) return { ok: false, reason: "malformed" };
  // One round trip over the driver's HTTP endpoint: no session is opened for a request that needs none.
  const [row] = await readWithoutTenant<TokenRow>(ctx.db, sql`select * from tf_auth_api_token(${parsed.id})`);
  if (row === undefined) return { ok: false, reason: "unknown" };
  if (!(await verifyApiTokenSecret(parsed.secret, row.token_hash)))
    return { ok: false, reason: "bad_secret" };
  const now = ctx.now();
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  if (apiTokenExpired(row.expires_at === null ? null : new Date(row.expires_at), now)) {
    return { ok: false, reason: "expired" };
  }
  if (row.tenant_archived_at !== null || row.tenant_suspended_at !== null) {
    return { ok: false, reason: "tenant_unavailable" };
  }
  let scopes: TokenScope[] = row.scopes.filter(isTokenScope);
  if (row.user_id !== null) {
    if (row.user_disabled_at !== null || row.user_role === null || !isRole(row.user_role)) {
      return { ok: false, reason: "owner_gone" };
    }
    const allowed = grantableScopes(row.user_role);
    scopes = scopes.filter((scope) => allowed.includes(scope));
  }
  if (row.ip_allowlist.length > 0 && (ctx.ip === undefined || !ipAllowed(ctx.ip, row.ip_allowlist))) {
    return { ok: false, reason: "ip_not_allowed" };
  }
  const actor: TokenActor = { kind: "token", tokenId: row.token_id, tenantId: row.tenant_id, scopes };
  const lastUsedAt = row.last_used_at === null ? null : new Date(row.last_used_at);
  const addressChanged = (ctx.ip ?? null) !== row.last_used_ip;
  if (
    lastUsedAt === null ||
    now.getTime() - lastUsedAt.getTime() >= lastUseWriteIntervalMs ||
    addressChanged
  ) {
    await withTenantTx({ db: ctx.db, tenantId: row.tenant_id }, async (tx) => {
      await tx.execute(
        sql`update api_tokens set last_used_at = ${now.toISOString()}, last_used_ip = cast(${ctx.ip ?? null} as inet)
            where id = ${row.token_id}`,
      );
      await appendAudit(tx, {
        tenantId: row.tenant_id,
        action: "token.used",
        actor,
        targetKind: "api_token",
        targetId: row.token_id,
        requestId: ctx.requestId,
        ip: ctx.ip,
        at: now,
      });
    });
  }
  const limits = (row.tenant_settings?.rateLimits ?? {}) as Record<string, unknown>;
  return {
    ok: true,
    actor,
    tenant: tenantTargetOf({ id: row.tenant_id, kind: row.tenant_kind, parentId: row.tenant_parent_id }),
    rateLimits: {
      perToken: policyFrom(limits.perToken, defaultTokenRateLimits.perToken),
      perTenant: policyFrom(limits.perTenant, defaultTokenRateLimits.perTenant),
    },
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
    ipPinned: row.ip_allowlist.length > 0,
  };
}
