import {
  hashPassword,
  type MfaRequirement,
  mfaRequirement,
  passwordNeedsRehash,
  verifyPassword,
  verifyPasswordForUnknownUser,
} from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";
import { insertSession } from "./create.ts";
import {
  assertLoginAllowed,
  clearAccountFailures,
  loginThrottleKeys,
  recordLoginFailures,
} from "./login-attempts.ts";

export const signInInput = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
  /** Which tenant to act in when the user belongs to several (default: the first membership). */
  tenantId: z.string().max(40).optional(),
});

export interface SignInResult {
  sessionId: string;
  /** For the cookie only. */
  token: string;
  expiresAt: Date;
  userId: string;
  tenantId: string;
  /** `challenge_required`: send a TOTP or recovery code next; `enrolment_required`: set up TOTP next. */
  mfa: MfaRequirement;
}

interface Membership {
  tenantId: string;
  role: string;
  tenantKind: string;
  tenantSlug: string;
  parentId: string | null;
}

const wrongCredentials = () => new AppError("UNAUTHORIZED", "The e-mail address or the password is wrong");

/**
 * Password sign-in. Throttled per account and per address (LOCKED/RATE_LIMITED with Retry-After) before any
 * hashing; unknown accounts cost the same time as known ones; failures and successes are audited in the
 * user's tenant. Always creates a new session (never reuses one presented with the request).
 */
export async function signIn({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: z.infer<typeof signInInput> & { userAgent?: string | undefined };
}): Promise<SignInResult> {
  const now = ctx.now();
  const keys = await loginThrottleKeys(input.email, ctx.ip);
  await assertLoginAllowed(ctx.db, keys, now);
  const found = await ctx.db.execute<{
    user_id: string;
    password_hash: string | null;
    disabled_at: Date | string | null;
    memberships: Membership[];
  }>(
    sql`select user_id, password_hash, disabled_at, memberships from tf_auth_sign_in_candidate(${input.email.trim()})`,
  );
  const candidate = found.rows[0];
  const membership =
    candidate?.memberships.find((m) => m.tenantId === input.tenantId) ??
    (input.tenantId === undefined ? candidate?.memberships[0] : undefined);
  if (!candidate || candidate.password_hash === null || candidate.disabled_at !== null || !membership) {
    await verifyPasswordForUnknownUser(input.password);
    await recordLoginFailures(ctx.db, keys, now);
    ctx.logger.info("sign-in refused", { reason: candidate ? "no usable account" : "unknown e-mail" });
    throw wrongCredentials();
  }
  const passwordHash = candidate.password_hash;
  if (!(await verifyPassword(input.password, passwordHash))) {
    await recordLoginFailures(ctx.db, keys, now);
    await withTenantTx({ db: ctx.db, tenantId: membership.tenantId }, (tx) =>
      appendAudit(tx, {
        tenantId: membership.tenantId,
        action: "session.sign_in_failed",
        userId: candidate.user_id,
        targetKind: "user",
        targetId: candidate.user_id,
        details: { reason: "wrong_password" },
        requestId: ctx.requestId,
        ip: ctx.ip,
        at: now,
      }),
    );
    throw wrongCredentials();
  }
  await clearAccountFailures(ctx.db, keys);
  return withTenantTx({ db: ctx.db, tenantId: membership.tenantId }, async (tx) => {
    const facts = await tx.execute<{ has_totp: boolean; requires_mfa: boolean }>(
      sql`select (select totp_enabled_at is not null from user_credentials where user_id = ${candidate.user_id}) as has_totp,
                 coalesce((select (settings ->> 'requireMfa')::boolean from tenants where id = ${membership.tenantId}), false) as requires_mfa`,
    );
    const mfa = mfaRequirement({
      tenantRequiresMfa: facts.rows[0]?.requires_mfa === true,
      userHasTotp: facts.rows[0]?.has_totp === true,
      sessionPassedMfa: false,
    });
    const session = await insertSession(tx, {
      tenantId: membership.tenantId,
      userId: candidate.user_id,
      now,
      mfaVerified: false,
      ip: ctx.ip,
      userAgent: input.userAgent,
    });
    if (passwordNeedsRehash(passwordHash)) {
      await tx.execute(
        sql`update user_credentials set password_hash = ${await hashPassword(input.password)}, updated_at = now()
            where user_id = ${candidate.user_id}`,
      );
    }
    await appendAudit(tx, {
      tenantId: membership.tenantId,
      action: "session.signed_in",
      userId: candidate.user_id,
      targetKind: "user",
      targetId: candidate.user_id,
      details: { method: "password", mfa },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: now,
    });
    return { ...session, userId: candidate.user_id, tenantId: membership.tenantId, mfa };
  });
}
