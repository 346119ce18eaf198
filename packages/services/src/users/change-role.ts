import { AppError, grantableRoles, isRole, type Role } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context.ts";
import { rolesForTenantKind } from "../invitations/create.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

export const changeRoleInput = z.object({ role: z.string().refine(isRole, "not a role") });

/**
 * Changes a member's role. The caller must be able to grant both the member's current role and the new one
 * (a tenant admin can never hand out, or take away, MSSP roles), the role must suit the tenant's kind, and
 * nobody changes their own role. Audited as `role.changed`.
 */
export function changeUserRole({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof changeRoleInput> & { tenantId: string; userId: string };
}): Promise<{ userId: string; role: Role }> {
  const role = input.role as Role;
  return withManagedTenant(ctx, input.tenantId, "role.grant", async (tx, tenant, audit) => {
    const granter = ctx.actor;
    if (granter.kind !== "user")
      throw new AppError("FORBIDDEN", "Roles are granted by people, not API tokens");
    const current = await tx.execute<{ role: Role }>(
      sql`select role from memberships where tenant_id = ${tenant.id} and user_id = ${input.userId}`,
    );
    const previous = current.rows[0]?.role;
    if (previous === undefined) throw new AppError("NOT_FOUND", "No such member");
    if (input.userId === granter.userId) throw new AppError("FORBIDDEN", "You cannot change your own role");
    const grantable = grantableRoles(granter.role);
    if (
      !grantable.includes(role) ||
      !grantable.includes(previous) ||
      !rolesForTenantKind(tenant.kind).includes(role)
    ) {
      throw new AppError("FORBIDDEN", `You cannot grant the role ${role} here`);
    }
    await tx.execute(
      sql`update memberships set role = ${role}, updated_at = now() where tenant_id = ${tenant.id} and user_id = ${input.userId}`,
    );
    await audit({
      action: "role.changed",
      targetKind: "user",
      targetId: input.userId,
      details: { from: previous, to: role },
    });
    return { userId: input.userId, role };
  });
}
