import { type Actor, AppError, canAccessTenant, isId, type TenantTarget } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import type { AnonymousContext } from "../context.ts";
import { tenantTargetOf } from "./target.ts";

/**
 * The tenant a request acts in: the actor's own, or (for MSSP staff) a client of their MSSP they named. The
 * choice is input, the reach is not: a tenant the actor cannot reach, or that does not exist, is NOT_FOUND
 * alike. API tokens are bound to their tenant and never switch.
 */
export async function resolveActingTenant({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: { actor: Actor; homeTenant: TenantTarget; requestedTenantId?: string | undefined };
}): Promise<TenantTarget> {
  const requested = input.requestedTenantId;
  if (requested === undefined || requested === input.homeTenant.tenantId) return input.homeTenant;
  const notFound = new AppError("NOT_FOUND", "No such tenant");
  if (input.actor.kind !== "user" || !isId("tenant", requested)) throw notFound;
  // Read through the home tenant's row-level security: an MSSP sees its clients' rows, nothing else.
  const rows = await withTenantTx({ db: ctx.db, tenantId: input.homeTenant.tenantId }, async (tx) => {
    const result = await tx.execute<{ id: string; kind: string; parent_id: string | null }>(
      sql`select id, kind, parent_id from tenants where id = ${requested} and archived_at is null`,
    );
    return result.rows;
  });
  const row = rows[0];
  if (row === undefined) throw notFound;
  const target = tenantTargetOf({ id: row.id, kind: row.kind, parentId: row.parent_id });
  if (!canAccessTenant(input.actor, target)) throw notFound;
  return target;
}
