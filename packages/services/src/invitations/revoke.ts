import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

/** Revokes a pending invitation: its link stops working at once. Audited as `invitation.revoked`. */
export function revokeInvitation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string; invitationId: string };
}): Promise<void> {
  return withManagedTenant(ctx, input.tenantId, "user.invite", async (tx, tenant, audit) => {
    const result = await tx.execute(
      sql`update invitations set revoked_at = ${ctx.now().toISOString()}
          where id = ${input.invitationId} and tenant_id = ${tenant.id} and accepted_at is null and revoked_at is null
          returning id`,
    );
    if (result.rows.length === 0) throw new AppError("NOT_FOUND", "No pending invitation with this id");
    await audit({ action: "invitation.revoked", targetKind: "invitation", targetId: input.invitationId });
  });
}
