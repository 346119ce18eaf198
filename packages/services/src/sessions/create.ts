import { createSessionToken, hashSessionSecret, sessionPolicy } from "@threatfusion/auth";
import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";

/**
 * Inserts a fresh session for `userId` in `tenantId` inside `tx` (a transaction of that tenant) and returns
 * its token, which only the cookie carries. Every sign-in and every second-factor step makes a new session,
 * so a token planted before sign-in (session fixation) never gains privileges.
 */
export async function insertSession(
  tx: DbTransaction,
  input: {
    tenantId: string;
    userId: string;
    now: Date;
    mfaVerified: boolean;
    ip?: string | undefined;
    userAgent?: string | undefined;
  },
): Promise<{ sessionId: string; token: string; expiresAt: Date }> {
  const { id, secret, token } = createSessionToken();
  const expiresAt = new Date(input.now.getTime() + sessionPolicy.absoluteLifetimeSeconds * 1000);
  await tx.execute(
    sql`insert into sessions (id, tenant_id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, mfa_verified_at)
        values (${id}, ${input.tenantId}, ${input.userId}, ${await hashSessionSecret(secret)}, ${input.now.toISOString()},
                ${input.now.toISOString()}, ${expiresAt.toISOString()}, cast(${input.ip ?? null} as inet),
                ${input.userAgent?.slice(0, 300) ?? null}, ${input.mfaVerified ? input.now.toISOString() : null})`,
  );
  return { sessionId: id, token, expiresAt };
}
