/**
 * Pure lockout policy for password (and second-factor) attempts. The caller keeps one `LoginFailureRecord`
 * per account and one per client address (e.g. in a Durable Object or a table), asks `decideLoginAttempt`
 * for both before checking the password, then stores `recordLoginFailure` / `recordLoginSuccess`.
 *
 * After a few free attempts each further failure doubles the wait before the next try (exponential
 * backoff); after `lockAfterFailures` failures the key is locked for `lockSeconds`. Failures older than
 * `failureWindowSeconds` are forgotten. Per-account locks can be abused to lock a victim out, hence a short
 * lock and a higher threshold for accounts than for addresses.
 */

export interface LoginThrottlePolicy {
  /** Failures allowed without any wait. */
  freeAttempts: number;
  /** Wait after the first failure beyond the free ones; doubles with each further failure. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Failures (within the window) that lock the key. */
  lockAfterFailures: number;
  lockSeconds: number;
  /** A failure older than this (counted from the latest failure) no longer counts. */
  failureWindowSeconds: number;
}

/** Per account (e-mail): tolerant, because an attacker can trip it on purpose to lock a victim out. */
export const accountLoginPolicy: LoginThrottlePolicy = {
  freeAttempts: 3,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  lockAfterFailures: 10,
  lockSeconds: 15 * 60,
  failureWindowSeconds: 60 * 60,
};

/** Per client address: catches one source spraying many accounts. */
export const addressLoginPolicy: LoginThrottlePolicy = {
  freeAttempts: 10,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  lockAfterFailures: 50,
  lockSeconds: 30 * 60,
  failureWindowSeconds: 60 * 60,
};

export interface LoginFailureRecord {
  failures: number;
  lastFailureAt: Date | null;
  lockedUntil: Date | null;
}

export type LoginDecision =
  | { kind: "allow" }
  | { kind: "delay"; retryAfterSeconds: number }
  | { kind: "locked"; lockedUntil: Date; retryAfterSeconds: number };

/** The record of a key with no recent failures. */
export function emptyLoginRecord(): LoginFailureRecord {
  return { failures: 0, lastFailureAt: null, lockedUntil: null };
}

/** The record with expired locks and stale failures dropped. */
function currentRecord(
  record: LoginFailureRecord,
  now: Date,
  policy: LoginThrottlePolicy,
): LoginFailureRecord {
  if (record.lockedUntil !== null) {
    return record.lockedUntil.getTime() > now.getTime() ? record : emptyLoginRecord();
  }
  if (record.lastFailureAt === null) return emptyLoginRecord();
  const sinceLast = now.getTime() - record.lastFailureAt.getTime();
  return sinceLast >= policy.failureWindowSeconds * 1000 ? emptyLoginRecord() : record;
}

/** Seconds to wait after the given number of failures (0 while within the free attempts). */
export function backoffSeconds(failures: number, policy: LoginThrottlePolicy): number {
  const extra = failures - policy.freeAttempts;
  if (extra <= 0) return 0;
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** (extra - 1));
}

function secondsUntil(moment: number, now: Date): number {
  return Math.max(1, Math.ceil((moment - now.getTime()) / 1000));
}

/** May an attempt be checked now? Answer "delay" and "locked" with 429 (or 423) and `Retry-After`. */
export function decideLoginAttempt(
  record: LoginFailureRecord,
  now: Date,
  policy: LoginThrottlePolicy,
): LoginDecision {
  const current = currentRecord(record, now, policy);
  if (current.lockedUntil !== null) {
    return {
      kind: "locked",
      lockedUntil: current.lockedUntil,
      retryAfterSeconds: secondsUntil(current.lockedUntil.getTime(), now),
    };
  }
  if (current.lastFailureAt === null) return { kind: "allow" };
  const nextAllowedAt = current.lastFailureAt.getTime() + backoffSeconds(current.failures, policy) * 1000;
  if (now.getTime() < nextAllowedAt)
    return { kind: "delay", retryAfterSeconds: secondsUntil(nextAllowedAt, now) };
  return { kind: "allow" };
}

/** The record after one more failed attempt; locks the key when the threshold is reached. */
export function recordLoginFailure(
  record: LoginFailureRecord,
  now: Date,
  policy: LoginThrottlePolicy,
): LoginFailureRecord {
  const current = currentRecord(record, now, policy);
  if (current.lockedUntil !== null) return current;
  const failures = current.failures + 1;
  const lockedUntil =
    failures >= policy.lockAfterFailures ? new Date(now.getTime() + policy.lockSeconds * 1000) : null;
  return { failures, lastFailureAt: now, lockedUntil };
}

/** The record after a successful login: the account's failures are forgotten. */
export function recordLoginSuccess(): LoginFailureRecord {
  return emptyLoginRecord();
}

/** The stricter of several decisions (e.g. per account and per address): locked > longest delay > allow. */
export function strictestLoginDecision(...decisions: LoginDecision[]): LoginDecision {
  let strictest: LoginDecision = { kind: "allow" };
  const rank = { allow: 0, delay: 1, locked: 2 } as const;
  for (const decision of decisions) {
    if (rank[decision.kind] > rank[strictest.kind]) strictest = decision;
    else if (
      decision.kind === strictest.kind &&
      decision.kind !== "allow" &&
      strictest.kind !== "allow" &&
      decision.retryAfterSeconds > strictest.retryAfterSeconds
    ) {
      strictest = decision;
    }
  }
  return strictest;
}
