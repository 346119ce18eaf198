import { accountLoginPolicy, verifyRecoveryCode, verifyTotpCode } from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";
import { openTotpSecret, readCredentials, requireSecretsKey } from "../users/credentials.ts";
import { insertSession } from "./create.ts";
import { assertLoginAllowed, clearAccountFailures, recordLoginFailures } from "./login-attempts.ts";

export const verifySecondFactorInput = z
  .object({
    code: z.string().trim().min(6).max(10).optional(),
    recoveryCode: z.string().trim().min(16).max(40).optional(),
  })
  .refine((value) => (value.code === undefined) !== (value.recoveryCode === undefined), {
    message: "send exactly one of code or recoveryCode",
  });

/**
 * Second step of sign-in: a TOTP code (replay-protected) or a single-use recovery code. Failures count
 * towards the account's lockout. Success replaces the session with a new one marked as MFA-verified (the old
 * token stops working), and is audited.
 */
export async function verifySecondFactor({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: z.infer<typeof verifySecondFactorInput> & { sessionId: string; userId: string; tenantId: string };
}): Promise<{ sessionId: string; token: string; expiresAt: Date }> {
  const key = requireSecretsKey(ctx.secretsKey);
  const now = ctx.now();
  const keys = [{ key: `account:mfa:${input.userId}`, policy: accountLoginPolicy }];
  await assertLoginAllowed(ctx.db, keys, now);
  const outcome = await withTenantTx({ db: ctx.db, tenantId: input.tenantId }, async (tx) => {
    const credentials = await readCredentials(tx, input.userId);
    if (!credentials?.totp_secret_sealed || credentials.totp_enabled_at === null) {
      throw new AppError("CONFLICT", "This account has no second factor to verify");
    }
    let method: "totp" | "recovery_code";
    if (input.code !== undefined) {
      const secret = await openTotpSecret(key, credentials.totp_secret_sealed, input.userId);
      const lastStep = credentials.totp_last_step === null ? null : Number(credentials.totp_last_step);
      const verdict = verifyTotpCode({ secret, code: input.code, now, lastUsedStep: lastStep });
      if (!verdict.ok) return { ok: false as const, reason: verdict.reason };
      await tx.execute(
        sql`update user_credentials set totp_last_step = ${verdict.step}, updated_at = now() where user_id = ${input.userId}`,
      );
      method = "totp";
    } else {
      const verdict = await verifyRecoveryCode(input.recoveryCode ?? "", credentials.recovery_code_hashes);
      if (!verdict.ok) return { ok: false as const, reason: "invalid" };
      const remaining = credentials.recovery_code_hashes.filter((_, index) => index !== verdict.index);
      await tx.execute(
        sql`update user_credentials set recovery_code_hashes = ${sql.param(remaining)}::text[], updated_at = now() where user_id = ${input.userId}`,
      );
      method = "recovery_code";
    }
    await tx.execute(sql`delete from sessions where id = ${input.sessionId}`);
    const session = await insertSession(tx, {
      tenantId: input.tenantId,
      userId: input.userId,
      now,
      mfaVerified: true,
      ip: ctx.ip,
    });
    await appendAudit(tx, {
      tenantId: input.tenantId,
      action: "mfa.verified",
      userId: input.userId,
      targetKind: "user",
      targetId: input.userId,
      details: { method },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: now,
    });
    return { ok: true as const, session };
  });
  if (!outcome.ok) {
    await recordLoginFailures(ctx.db, keys, now);
    await withTenantTx({ db: ctx.db, tenantId: input.tenantId }, (tx) =>
      appendAudit(tx, {
        tenantId: input.tenantId,
        action: "mfa.failed",
        userId: input.userId,
        targetKind: "user",
        targetId: input.userId,
        details: { reason: outcome.reason },
        requestId: ctx.requestId,
        ip: ctx.ip,
        at: now,
      }),
    );
    throw new AppError("UNAUTHORIZED", "The code is not valid");
  }
  await clearAccountFailures(ctx.db, keys);
  return outcome.session;
}
