import {
  createTotpSecret,
  encodeTotpSecret,
  generateRecoveryCodes,
  hashRecoveryCode,
  sealSecret,
  totpKeyUri,
  verifyTotpCode,
} from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record.ts";
import type { ServiceContext } from "../context.ts";
import { openTotpSecret, readCredentials, requireSecretsKey } from "./credentials.ts";

function selfUser(ctx: ServiceContext): { userId: string; homeTenantId: string } {
  if (ctx.actor.kind !== "user") throw new AppError("FORBIDDEN", "Second factors belong to signed-in users");
  return { userId: ctx.actor.userId, homeTenantId: ctx.actor.tenantId };
}

/**
 * Starts TOTP enrolment for the signed-in user: a new secret, sealed at rest, pending until a first code
 * confirms it. Returns the secret (base32) and the `otpauth://` URI for the QR code, shown once.
 */
export async function startTotpEnrolment({
  ctx,
}: {
  ctx: ServiceContext;
  input?: Record<string, never>;
}): Promise<{ secret: string; uri: string }> {
  const { userId, homeTenantId } = selfUser(ctx);
  const key = requireSecretsKey(ctx.secretsKey);
  return withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const current = await readCredentials(tx, userId);
    if (current?.totp_enabled_at) throw new AppError("CONFLICT", "TOTP is already enabled; disable it first");
    const user = await tx.execute<{ email: string }>(sql`select email from users where id = ${userId}`);
    const secret = createTotpSecret();
    const sealed = await sealSecret(key, secret, `totp:${userId}`);
    await tx.execute(
      sql`insert into user_credentials (user_id, totp_secret_sealed) values (${userId}, ${sealed})
          on conflict (user_id) do update set totp_secret_sealed = excluded.totp_secret_sealed, totp_enabled_at = null,
            totp_last_step = null, updated_at = now()`,
    );
    return {
      secret: encodeTotpSecret(secret),
      uri: totpKeyUri({ issuer: "ThreatFusion", accountName: user.rows[0]?.email ?? userId, secret }),
    };
  });
}

export const confirmTotpInput = z.object({ code: z.string().trim().min(6).max(10) });

/**
 * Confirms enrolment with a first code: enables TOTP, issues ten recovery codes (shown once, stored hashed),
 * marks the current session as MFA-verified, and audits `mfa.enabled`.
 */
export async function confirmTotpEnrolment({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof confirmTotpInput> & { sessionId?: string | undefined };
}): Promise<{ recoveryCodes: string[] }> {
  const { userId, homeTenantId } = selfUser(ctx);
  const key = requireSecretsKey(ctx.secretsKey);
  const now = ctx.now();
  return withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const current = await readCredentials(tx, userId);
    if (!current?.totp_secret_sealed) throw new AppError("CONFLICT", "Start TOTP enrolment first");
    if (current.totp_enabled_at) throw new AppError("CONFLICT", "TOTP is already enabled");
    const secret = await openTotpSecret(key, current.totp_secret_sealed, userId);
    const verdict = verifyTotpCode({ secret, code: input.code, now, lastUsedStep: null });
    if (!verdict.ok) throw new AppError("UNPROCESSABLE", "The code does not match; check the device's clock");
    const recoveryCodes = generateRecoveryCodes();
    const hashes = await Promise.all(recoveryCodes.map((code) => hashRecoveryCode(code)));
    await tx.execute(
      sql`update user_credentials set totp_enabled_at = ${now.toISOString()}, totp_last_step = ${verdict.step},
            recovery_code_hashes = ${sql.param(hashes)}::text[], updated_at = now() where user_id = ${userId}`,
    );
    if (input.sessionId) {
      await tx.execute(
        sql`update sessions set mfa_verified_at = ${now.toISOString()} where id = ${input.sessionId}`,
      );
    }
    await recordAudit(ctx, tx, {
      tenantId: homeTenantId,
      action: "mfa.enabled",
      targetKind: "user",
      targetId: userId,
      details: { method: "totp", recoveryCodes: recoveryCodes.length },
    });
    return { recoveryCodes };
  });
}

export const disableTotpInput = z.object({ code: z.string().trim().min(6).max(10) });

/**
 * Turns TOTP off for the signed-in user after a current code (a stolen session alone cannot remove the second
 * factor). Recovery codes go with it. Where the tenant requires MFA, the next sign-in asks to enrol again.
 * Audited as `mfa.disabled`.
 */
export async function disableTotp({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof disableTotpInput>;
}): Promise<void> {
  const { userId, homeTenantId } = selfUser(ctx);
  const key = requireSecretsKey(ctx.secretsKey);
  const now = ctx.now();
  await withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const current = await readCredentials(tx, userId);
    if (!current?.totp_secret_sealed || !current.totp_enabled_at)
      throw new AppError("CONFLICT", "TOTP is not enabled");
    const secret = await openTotpSecret(key, current.totp_secret_sealed, userId);
    const lastStep = current.totp_last_step === null ? null : Number(current.totp_last_step);
    const verdict = verifyTotpCode({ secret, code: input.code, now, lastUsedStep: lastStep });
    if (!verdict.ok) throw new AppError("UNPROCESSABLE", "The code is not valid");
    await tx.execute(
      sql`update user_credentials set totp_secret_sealed = null, totp_enabled_at = null, totp_last_step = null,
            recovery_code_hashes = '{}', updated_at = now() where user_id = ${userId}`,
    );
    await recordAudit(ctx, tx, {
      tenantId: homeTenantId,
      action: "mfa.disabled",
      targetKind: "user",
      targetId: userId,
    });
  });
}
