import { AppError, grantableRoles, type Role } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

/**
 * Removes a member from a tenant: their sessions there end and their personal tokens stop at once (both are
 * tied to the membership). Only members whose role the caller could grant. Audited as `user.removed`.
 */
export function removeUser({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string; userId: string };
}): Promise<void> {
  return withManagedTenant(ctx, input.tenantId, "user.manage", async (tx, tenant, audit) => {
    const remover = ctx.actor;
    if (remover.kind !== "user")
      throw new AppError("FORBIDDEN", "Members are removed by people, not API tokens");
    const current = await tx.execute<{ role: Role }>(
      sql`select role from memberships where tenant_id = ${tenant.id} and user_id = ${input.userId}`,
    );
    const role = current.rows[0]?.role;
    if (role === undefined) throw new AppError("NOT_FOUND", "No such member");
    if (input.userId === remover.userId || !grantableRoles(remover.role).includes(role)) {
      throw new AppError("FORBIDDEN", "You cannot remove this member");
    }
    await tx.execute(
      sql`delete from memberships where tenant_id = ${tenant.id} and user_id = ${input.userId}`,
    );
    await tx.execute(sql`delete from sessions where tenant_id = ${tenant.id} and user_id = ${input.userId}`);
    await audit({ action: "user.removed", targetKind: "user", targetId: input.userId, details: { role } });
  });
}
