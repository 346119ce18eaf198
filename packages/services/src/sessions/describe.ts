import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import type { ActingTenantView } from "../tenants/switch-acting.ts";

export interface SessionDescription {
  /** The signed-in person (null for a tenant-owned API token). */
  user: { id: string; email: string; displayName: string | null } | null;
  /** The tenant of the actor's membership (or token). */
  homeTenant: ActingTenantView | null;
  /** The client an MSSP user acts in, when it is not the home tenant. */
  actingTenant: ActingTenantView | null;
}

/**
 * Names for `GET /auth/me`: the person's e-mail and display name, their home tenant and the client they act
 * in. Read through the home tenant's row-level security, which shows exactly these rows (the user through
 * their membership, the tenant itself and its clients).
 */
export async function describeSession({ ctx }: { ctx: ServiceContext }): Promise<SessionDescription> {
  const homeTenantId = ctx.actor.tenantId;
  const actingId = ctx.tenant.tenantId === homeTenantId ? null : ctx.tenant.tenantId;
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const tenantIds = actingId === null ? [homeTenantId] : [homeTenantId, actingId];
    const tenants = await tx.execute<{ id: string; name: string; kind: string; slug: string }>(
      sql`select id, name, kind, slug from tenants where id = any(${sql.param(tenantIds)}::text[])`,
    );
    const users =
      userId === null
        ? { rows: [] }
        : await tx.execute<{ id: string; email: string; display_name: string | null }>(
            sql`select id, email, display_name from users where id = ${userId}`,
          );
    const view = (id: string | null): ActingTenantView | null => {
      const row = tenants.rows.find((tenant) => tenant.id === id);
      if (row === undefined) return null;
      const kind = row.kind === "platform" || row.kind === "mssp" ? row.kind : "client";
      return { id: row.id, name: row.name, kind, slug: row.slug };
    };
    const user = users.rows[0];
    return {
      user: user ? { id: user.id, email: user.email, displayName: user.display_name } : null,
      homeTenant: view(homeTenantId),
      actingTenant: view(actingId),
    };
  });
}
