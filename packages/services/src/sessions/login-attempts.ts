import {
  accountLoginPolicy,
  addressLoginPolicy,
  decideLoginAttempt,
  emptyLoginRecord,
  type LoginFailureRecord,
  type LoginThrottlePolicy,
  recordLoginFailure,
  sha256Hex,
  strictestLoginDecision,
} from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import { sql } from "drizzle-orm";

/** The throttle keys of one attempt: the account (hashed e-mail) and, when known, the client address. */
export async function loginThrottleKeys(
  email: string,
  ip: string | undefined,
): Promise<{ key: string; policy: LoginThrottlePolicy }[]> {
  const keys = [
    { key: `account:${await sha256Hex(email.trim().toLowerCase())}`, policy: accountLoginPolicy },
  ];
  if (ip) keys.push({ key: `address:${ip}`, policy: addressLoginPolicy });
  return keys;
}

async function readRecord(db: Database, key: string): Promise<LoginFailureRecord> {
  const result = await db.execute<{
    failures: number;
    last_failure_at: Date | string | null;
    locked_until: Date | string | null;
  }>(sql`select failures, last_failure_at, locked_until from login_attempts where key = ${key}`);
  const row = result.rows[0];
  if (!row) return emptyLoginRecord();
  return {
    failures: row.failures,
    lastFailureAt: row.last_failure_at === null ? null : new Date(row.last_failure_at),
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
  };
}

/**
 * Throws LOCKED (423) or RATE_LIMITED (429), both with Retry-After, when any key of the attempt is locked or
 * must still wait; checked before the password, so a locked account costs no hashing.
 */
export async function assertLoginAllowed(
  db: Database,
  keys: { key: string; policy: LoginThrottlePolicy }[],
  now: Date,
): Promise<void> {
  const decisions = await Promise.all(
    keys.map(async ({ key, policy }) => decideLoginAttempt(await readRecord(db, key), now, policy)),
  );
  const decision = strictestLoginDecision(...decisions);
  if (decision.kind === "allow") return;
  const headers = { "Retry-After": String(decision.retryAfterSeconds) };
  if (decision.kind === "locked") {
    throw new AppError("LOCKED", "Too many failed attempts: sign-in is locked for a while", {
      headers,
      details: { retryAfterSeconds: decision.retryAfterSeconds },
    });
  }
  throw new AppError(
    "RATE_LIMITED",
    `Too many failed attempts: retry after ${decision.retryAfterSeconds} s`,
    {
      headers,
      details: { retryAfterSeconds: decision.retryAfterSeconds },
    },
  );
}

/** Counts one failed attempt against every key. */
export async function recordLoginFailures(
  db: Database,
  keys: { key: string; policy: LoginThrottlePolicy }[],
  now: Date,
): Promise<void> {
  for (const { key, policy } of keys) {
    const next = recordLoginFailure(await readRecord(db, key), now, policy);
    await db.execute(
      sql`insert into login_attempts (key, failures, last_failure_at, locked_until)
          values (${key}, ${next.failures}, ${next.lastFailureAt?.toISOString() ?? null}, ${next.lockedUntil?.toISOString() ?? null})
          on conflict (key) do update set failures = excluded.failures, last_failure_at = excluded.last_failure_at,
            locked_until = excluded.locked_until`,
    );
  }
}

/** Forgets the account's failures after a successful sign-in (the address keeps its count). */
export async function clearAccountFailures(db: Database, keys: { key: string }[]): Promise<void> {
  const accountKeys = keys.filter(({ key }) => key.startsWith("account:")).map(({ key }) => key);
  for (const key of accountKeys) await db.execute(sql`delete from login_attempts where key = ${key}`);
}
