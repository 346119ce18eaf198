import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

export interface MemberView {
  userId: string;
  email: string;
  displayName: string | null;
  role: string;
  mfaEnabled: boolean;
  disabled: boolean;
}

/** The members of a tenant within reach (a client's own users; an MSSP sees its clients' users too). */
export function listUsers({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string };
}): Promise<MemberView[]> {
  return withManagedTenant(ctx, input.tenantId, "user.read", async (tx, tenant) => {
    const result = await tx.execute<{
      user_id: string;
      email: string;
      display_name: string | null;
      role: string;
      mfa_enabled: boolean;
      disabled: boolean;
    }>(
      sql`select m.user_id, u.email, u.display_name, m.role,
                 coalesce((select c.totp_enabled_at is not null from user_credentials c where c.user_id = m.user_id), false) as mfa_enabled,
                 u.disabled_at is not null as disabled
          from memberships m join users u on u.id = m.user_id
          where m.tenant_id = ${tenant.id} order by u.email`,
    );
    return result.rows.map((row) => ({
      userId: row.user_id,
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      mfaEnabled: row.mfa_enabled,
      disabled: row.disabled,
    }));
  });
}
