import { createInvitation } from "@threatfusion/auth";
import { AppError, grantableRoles, isRole, type Role } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";

export const createInvitationInput = z.object({
  email: z.email().max(320),
  role: z.string().refine(isRole, "not a role"),
});

/** Which roles a tenant of this kind can hold (migration 0010 enforces the same on memberships). */
export function rolesForTenantKind(kind: string): readonly Role[] {
  if (kind === "platform") return ["platform_admin"];
  if (kind === "mssp") return ["mssp_admin", "mssp_analyst"];
  return ["tenant_admin", "analyst", "viewer"];
}

export interface CreatedInvitation {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  expiresAt: string;
  /** The accept link. Returned only when mail is not really sent (development), so the admin UI can show it. */
  link: string | null;
}

/**
 * Invites an e-mail address into a tenant within reach (an MSSP admin into a client, a tenant admin into
 * their own) with a role the inviter may grant and the tenant's kind allows. The link, carrying the
 * single-use secret, goes out through the mail adapter. Audited as `invitation.created`.
 */
export async function createTenantInvitation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof createInvitationInput> & { tenantId: string; acceptUrl: string };
}): Promise<CreatedInvitation> {
  const role = input.role as Role;
  return withManagedTenant(ctx, input.tenantId, "user.invite", async (tx, tenant, audit) => {
    const inviter = ctx.actor;
    if (inviter.kind !== "user")
      throw new AppError("FORBIDDEN", "Invitations are sent by people, not API tokens");
    if (!grantableRoles(inviter.role).includes(role) || !rolesForTenantKind(tenant.kind).includes(role)) {
      throw new AppError("FORBIDDEN", `You cannot grant the role ${role} in this tenant`);
    }
    const quota = tenant.settings.quotas?.users;
    if (quota !== undefined) {
      const counted = await tx.execute<{ n: number }>(
        sql`select (select count(*) from memberships where tenant_id = ${tenant.id})::int
                 + (select count(*) from invitations where tenant_id = ${tenant.id} and accepted_at is null
                      and revoked_at is null and expires_at > now())::int as n`,
      );
      if ((counted.rows[0]?.n ?? 0) >= quota)
        throw new AppError("CONFLICT", `The tenant's user quota (${quota}) is reached`);
    }
    const invitation = await createInvitation(ctx.now());
    await tx.execute(
      sql`insert into invitations (id, tenant_id, email, role, secret_hash, invited_by_user_id, expires_at)
          values (${invitation.id}, ${tenant.id}, ${input.email}, ${role}, ${invitation.secretHash}, ${inviter.userId},
                  ${invitation.expiresAt.toISOString()})`,
    );
    await audit({
      action: "invitation.created",
      targetKind: "invitation",
      targetId: invitation.id,
      details: { email: input.email, role },
    });
    const link = `${input.acceptUrl}#${invitation.token}`;
    const brand = tenant.settings.branding?.productName ?? "ThreatFusion";
    await ctx.mailer?.send({
      to: input.email,
      subject: `You are invited to ${tenant.name} on ${brand}`,
      text: `You have been invited to ${tenant.name} as ${role}.\n\nAccept within 7 days: ${link}\n\nThe link works once.`,
    });
    return {
      id: invitation.id,
      tenantId: tenant.id,
      email: input.email,
      role,
      expiresAt: invitation.expiresAt.toISOString(),
      link: ctx.mailer?.kind === "http" ? null : link,
    };
  });
}
