import { hashPassword, validatePasswordPolicy } from "@threatfusion/auth";
import { AppError, newId } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";
import { findValidInvitation } from "./preview.ts";

export const acceptInvitationInput = z.object({
  token: z.string().trim().min(10).max(200),
  password: z.string().max(1024).optional(),
  displayName: z.string().trim().min(1).max(200).optional(),
});

/**
 * Accepts an invitation: verifies the link's secret, expiry and single use (a conditional update, so two
 * clicks cannot both win), then creates the user with their password (or, for an existing account, only the
 * membership). Does not sign in: the person signs in next. Audited as `invitation.accepted`.
 */
export async function acceptInvitation({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: z.infer<typeof acceptInvitationInput>;
}): Promise<{ userId: string; tenantId: string; email: string; newUser: boolean }> {
  const invalid = new AppError("GONE", "This invitation link is not valid any more");
  const invitation = await findValidInvitation(ctx, input.token);
  const now = ctx.now();
  const newUser = invitation.existingUserId === null;
  let passwordHash: string | null = null;
  if (newUser) {
    if (input.password === undefined) throw new AppError("VALIDATION_FAILED", "password: choose a password");
    const policy = validatePasswordPolicy(input.password);
    if (!policy.ok) {
      throw new AppError(
        "VALIDATION_FAILED",
        `password: ${policy.reason === "too_short" ? "at least" : "at most"} ${policy.limit} characters`,
      );
    }
    passwordHash = await hashPassword(input.password);
  }
  return withTenantTx({ db: ctx.db, tenantId: invitation.tenantId }, async (tx) => {
    const userId = invitation.existingUserId ?? newId("user", now.getTime());
    const claimed = await tx.execute(
      sql`update invitations set accepted_at = ${now.toISOString()}, accepted_user_id = null
          where id = ${invitation.id} and accepted_at is null and revoked_at is null and expires_at > ${now.toISOString()}
          returning id`,
    );
    if (claimed.rows.length === 0) throw invalid;
    if (newUser) {
      await tx.execute(
        sql`insert into users (id, email, display_name) values (${userId}, ${invitation.email}, ${input.displayName ?? null})`,
      );
    }
    await tx.execute(
      sql`insert into memberships (id, tenant_id, user_id, role) values (${newId("membership")}, ${invitation.tenantId}, ${userId}, ${invitation.role})
          on conflict (tenant_id, user_id) do nothing`,
    );
    await tx.execute(sql`update invitations set accepted_user_id = ${userId} where id = ${invitation.id}`);
    if (passwordHash !== null) {
      await tx.execute(
        sql`insert into user_credentials (user_id, password_hash, password_updated_at) values (${userId}, ${passwordHash}, ${now.toISOString()})`,
      );
    }
    await appendAudit(tx, {
      tenantId: invitation.tenantId,
      action: "invitation.accepted",
      userId,
      targetKind: "invitation",
      targetId: invitation.id,
      details: { role: invitation.role, newUser },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: now,
    });
    return { userId, tenantId: invitation.tenantId, email: invitation.email, newUser };
  });
}
