import { checkInvitation, parseInvitationToken, verifyInvitationSecret } from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { AnonymousContext } from "../context.ts";

export const previewInvitationInput = z.object({ token: z.string().trim().min(10).max(200) });

/** An invitation found by the link's token, its secret verified and its state (expiry, use) checked. */
export interface ValidInvitation {
  id: string;
  tenantId: string;
  email: string;
  role: string;
  expiresAt: Date;
  existingUserId: string | null;
}

/**
 * Looks an invitation up by the link's token (through the narrow definer function, before any tenant is
 * known), verifies the secret in constant time and refuses one that expired, was used or revoked: GONE,
 * with the same message for a wrong secret as for an unknown id.
 */
export async function findValidInvitation(ctx: AnonymousContext, token: string): Promise<ValidInvitation> {
  const invalid = new AppError("GONE", "This invitation link is not valid any more");
  const parsed = parseInvitationToken(token);
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
  const state = checkInvitation(
    {
      expiresAt: new Date(row.expires_at),
      acceptedAt: row.accepted_at === null ? null : new Date(row.accepted_at),
      revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    },
    ctx.now(),
  );
  if (!state.ok) throw new AppError("GONE", `This invitation is ${state.reason.replace("_", " ")}`);
  return {
    id: parsed.id,
    tenantId: row.tenant_id,
    email: row.email,
    role: row.role,
    expiresAt: new Date(row.expires_at),
    existingUserId: row.existing_user_id,
  };
}

export interface InvitationPreview {
  email: string;
  role: string;
  expiresAt: string;
  /** True when the address already has an account: no password to choose, only the membership to add. */
  existingAccount: boolean;
  tenant: { name: string; slug: string; kind: string };
  /** The invited tenant's branding settings (product name, logo, colours), for the accept page. */
  branding: Record<string, unknown>;
}

/**
 * What the accept page shows before the invitee commits: the tenant they join (name and brand), the e-mail
 * and role. Only the holder of a valid link learns it; nothing is written.
 */
export async function previewInvitation({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: z.infer<typeof previewInvitationInput>;
}): Promise<InvitationPreview> {
  const invitation = await findValidInvitation(ctx, input.token);
  const tenant = await withTenantTx({ db: ctx.db, tenantId: invitation.tenantId }, async (tx) => {
    const rows = await tx.execute<{ name: string; slug: string; kind: string; branding: unknown }>(
      sql`select name, slug, kind, settings -> 'branding' as branding from tenants where id = ${invitation.tenantId}`,
    );
    return rows.rows[0];
  });
  if (tenant === undefined) throw new AppError("GONE", "This invitation link is not valid any more");
  return {
    email: invitation.email,
    role: invitation.role,
    expiresAt: invitation.expiresAt.toISOString(),
    existingAccount: invitation.existingUserId !== null,
    tenant: { name: tenant.name, slug: tenant.slug, kind: tenant.kind },
    branding:
      typeof tenant.branding === "object" && tenant.branding !== null && !Array.isArray(tenant.branding)
        ? (tenant.branding as Record<string, unknown>)
        : {},
  };
}
