import {
  checkInvitation,
  hashPassword,
  parseInvitationToken,
  validatePasswordPolicy,
  verifyInvitationSecret,
} from "@threatfusion/auth";
import { AppError, newId } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";

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
  const parsed = parseInvitationToken(input.token);
  if (parsed === null) throw invalid;
  const found = await ctx.db.execute<{
    tenant_id: string;
    email: string;
    role: string;
    secret_hash: string;
    expires_at: Date | string;
    accepted_at: Date | string | null;
    revoked_at: Date | string | null;
    existing_user_id: string | null;
  }>(sql`select * from tf_auth_invitation(${parsed.id})`);
  const row = found.rows[0];
  if (!row || !(await verifyInvitationSecret(parsed.secret, row.secret_hash))) throw invalid;
  const now = ctx.now();
  const state = checkInvitation(
    {
      expiresAt: new Date(row.expires_at),
      acceptedAt: row.accepted_at === null ? null : new Date(row.accepted_at),
      revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    },
    now,
  );
  if (!state.ok) throw new AppError("GONE", `This invitation is ${state.reason.replace("_", " ")}`);
  const newUser = row.existing_user_id === null;
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
  return withTenantTx({ db: ctx.db, tenantId: row.tenant_id }, async (tx) => {
    const userId = row.existing_user_id ?? newId("user", now.getTime());
    const claimed = await tx.execute(
      sql`update invitations set accepted_at = ${now.toISOString()}, accepted_user_id = null
          where id = ${parsed.id} and accepted_at is null and revoked_at is null and expires_at > ${now.toISOString()}
          returning id`,
    );
    if (claimed.rows.length === 0) throw invalid;
    if (newUser) {
      await tx.execute(
        sql`insert into users (id, email, display_name) values (${userId}, ${row.email}, ${input.displayName ?? null})`,
      );
    }
    await tx.execute(
      sql`insert into memberships (id, tenant_id, user_id, role) values (${newId("membership")}, ${row.tenant_id}, ${userId}, ${row.role})
          on conflict (tenant_id, user_id) do nothing`,
    );
    await tx.execute(sql`update invitations set accepted_user_id = ${userId} where id = ${parsed.id}`);
    if (passwordHash !== null) {
      await tx.execute(
        sql`insert into user_credentials (user_id, password_hash, password_updated_at) values (${userId}, ${passwordHash}, ${now.toISOString()})`,
      );
    }
    await appendAudit(tx, {
      tenantId: row.tenant_id,
      action: "invitation.accepted",
      userId,
      targetKind: "invitation",
      targetId: parsed.id,
      details: { role: row.role, newUser },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: now,
    });
    return { userId, tenantId: row.tenant_id, email: row.email, newUser };
  });
}
