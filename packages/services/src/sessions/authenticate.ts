import {
  type MfaRequirement,
  mfaRequirement,
  parseSessionToken,
  sessionExpired,
  sessionNeedsRefresh,
  verifySessionSecret,
} from "@threatfusion/auth";
import { isRole, type TenantTarget, type UserActor } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import type { AnonymousContext } from "../context.ts";
import { msspOf, tenantTargetOf } from "../tenants/target.ts";

export type SessionAuthentication =
  | {
      ok: true;
      actor: UserActor;
      /** The tenant the session belongs to (the user's membership). */
      homeTenant: TenantTarget;
      sessionId: string;
      /** What the session still owes before it may do more than finish signing in. */
      mfa: MfaRequirement;
      /** True when `last_seen_at` was written just now: re-send the cookie so its Max-Age slides too. */
      refreshed: boolean;
      /** The home tenant is suspended: its own users may only sign out. */
      tenantSuspended: boolean;
      /** The client an MSSP user switched this session into (`switchActingTenant`), if any; reach unchecked. */
      actingTenantId: string | null;
    }
  | {
      ok: false;
      reason: "malformed" | "unknown" | "bad_secret" | "expired" | "revoked" | "no_membership" | "disabled";
    };

interface SessionRow extends Record<string, unknown> {
  session_id: string;
  tenant_id: string;
  user_id: string;
  token_hash: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  mfa_verified_at: Date | string | null;
  role: string | null;
  tenant_kind: string;
  tenant_parent_id: string | null;
  tenant_archived_at: Date | string | null;
  tenant_suspended_at: Date | string | null;
  tenant_requires_mfa: boolean;
  user_disabled_at: Date | string | null;
  user_has_totp: boolean;
  acting_tenant_id: string | null;
}

/**
 * Verifies a session token from the cookie (Lucia guide): look the row up by id through the narrow definer
 * function, compare the secret's hash in constant time, enforce inactivity and absolute expiry, revocation,
 * a live membership and an enabled user; refresh `last_seen_at` at most once per check interval.
 */
export async function authenticateSession({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: { token: string };
}): Promise<SessionAuthentication> {
  const parsed = parseSessionToken(input.token);
  if (parsed === null) return { ok: false, reason: "malformed" };
  const result = await ctx.db.execute<SessionRow>(sql`select * from tf_auth_session(${parsed.id})`);
  const row = result.rows[0];
  if (row === undefined) return { ok: false, reason: "unknown" };
  if (!(await verifySessionSecret(parsed.secret, row.token_hash))) return { ok: false, reason: "bad_secret" };
  const now = ctx.now();
  const lastSeenAt = new Date(row.last_seen_at);
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  if (
    sessionExpired({ createdAt: new Date(row.created_at), lastVerifiedAt: lastSeenAt }, now) ||
    now.getTime() >= new Date(row.expires_at).getTime()
  ) {
    await withTenantTx({ db: ctx.db, tenantId: row.tenant_id }, (tx) =>
      tx.execute(sql`delete from sessions where id = ${row.session_id}`),
    );
    return { ok: false, reason: "expired" };
  }
  if (row.user_disabled_at !== null) return { ok: false, reason: "disabled" };
  if (row.role === null || !isRole(row.role) || row.tenant_archived_at !== null) {
    return { ok: false, reason: "no_membership" };
  }
  const home = { id: row.tenant_id, kind: row.tenant_kind, parentId: row.tenant_parent_id };
  const refreshed = sessionNeedsRefresh(lastSeenAt, now);
  if (refreshed) {
    await withTenantTx({ db: ctx.db, tenantId: row.tenant_id }, (tx) =>
      tx.execute(sql`update sessions set last_seen_at = ${now.toISOString()} where id = ${row.session_id}`),
    );
  }
  return {
    ok: true,
    actor: {
      kind: "user",
      userId: row.user_id,
      role: row.role,
      tenantId: row.tenant_id,
      msspId: msspOf(home),
    },
    homeTenant: tenantTargetOf(home),
    sessionId: row.session_id,
    mfa: mfaRequirement({
      tenantRequiresMfa: row.tenant_requires_mfa,
      userHasTotp: row.user_has_totp,
      sessionPassedMfa: row.mfa_verified_at !== null,
    }),
    refreshed,
    tenantSuspended: row.tenant_suspended_at !== null,
    actingTenantId: row.acting_tenant_id ?? null,
  };
}
