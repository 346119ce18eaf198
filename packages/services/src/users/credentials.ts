import { openSealedSecret } from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";

export interface CredentialRow {
  password_hash: string | null;
  totp_secret_sealed: string | null;
  totp_enabled_at: Date | string | null;
  totp_last_step: string | number | null;
  recovery_code_hashes: string[];
}

/** The user's credential row (read through RLS: the tx must be a tenant the user is a member of). */
export async function readCredentials(tx: DbTransaction, userId: string): Promise<CredentialRow | undefined> {
  const result = await tx.execute<CredentialRow & Record<string, unknown>>(
    sql`select password_hash, totp_secret_sealed, totp_enabled_at, totp_last_step, recovery_code_hashes
        from user_credentials where user_id = ${userId}`,
  );
  return result.rows[0];
}

/** The secrets key, or SERVICE_UNAVAILABLE naming the missing configuration. */
export function requireSecretsKey(key: CryptoKey | undefined): CryptoKey {
  if (!key) throw new AppError("SERVICE_UNAVAILABLE", "Second factors need SECRETS_KEY to be configured");
  return key;
}

/** Opens a user's sealed TOTP secret (bound to the user id). */
export async function openTotpSecret(key: CryptoKey, sealed: string, userId: string): Promise<Uint8Array> {
  const secret = await openSealedSecret(key, sealed, `totp:${userId}`);
  if (secret === null)
    throw new AppError("INTERNAL", "The stored TOTP secret cannot be opened with SECRETS_KEY");
  return secret;
}
