import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

export interface InvitationView {
  id: string;
  email: string;
  role: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** The tenant's invitations, newest first (secrets are never returned). */
export function listInvitations({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string };
}): Promise<InvitationView[]> {
  return withManagedTenant(ctx, input.tenantId, "user.read", async (tx, tenant) => {
    const result = await tx.execute<{
      id: string;
      email: string;
      role: string;
      created_at: Date | string;
      expires_at: Date | string;
      accepted_at: Date | string | null;
      revoked_at: Date | string | null;
    }>(
      sql`select id, email, role, created_at, expires_at, accepted_at, revoked_at from invitations
          where tenant_id = ${tenant.id} order by created_at desc limit 500`,
    );
    return result.rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      createdAt: iso(row.created_at) ?? "",
      expiresAt: iso(row.expires_at) ?? "",
      acceptedAt: iso(row.accepted_at),
      revokedAt: iso(row.revoked_at),
    }));
  });
}
