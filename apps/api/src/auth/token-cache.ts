import { sha256Hex } from "@threatfusion/auth";
import type { TokenAuthentication } from "@threatfusion/services";

export type VerifiedToken = Extract<TokenAuthentication, { ok: true }>;

// Bounded so that a flood of distinct valid tokens cannot grow an isolate's memory (128 MB limit).
const maxEntries = 5_000;
const verified = new Map<string, { token: VerifiedToken; until: number }>();

/**
 * The cache key of a presented token: its SHA-256, so the isolate holds no usable secret, and a token
 * with the right id but another secret never matches a cached one.
 */
export function tokenCacheKey(token: string): Promise<string> {
  return sha256Hex(token);
}

/** The verified token under `key` while it is fresh; undefined when unknown or stale. */
export function cachedToken(key: string, nowMs: number): VerifiedToken | undefined {
  const entry = verified.get(key);
  if (entry === undefined) return undefined;
  if (entry.until <= nowMs) {
    verified.delete(key);
    return undefined;
  }
  return entry.token;
}

/**
 * Keeps a just-verified token for `ttlMs` (never past its expiry), so the next requests of a client skip the
 * token lookup and can take their rate-limit steps while their connection opens. Consequence, documented in
 * docs/identity.md: revoking a token, suspending its tenant or removing its owner takes effect on a
 * given isolate within `ttlMs` (TOKEN_CACHE_SECONDS, default 5 s). Tokens pinned to addresses are not kept
 * (their allowlist is checked against each request's address).
 */
export function rememberToken(key: string, token: VerifiedToken, nowMs: number, ttlMs: number): void {
  if (ttlMs <= 0 || token.ipPinned) return;
  const expiresMs = token.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(token.expiresAt);
  const until = Math.min(nowMs + ttlMs, expiresMs);
  if (until <= nowMs) return;
  if (verified.size >= maxEntries) {
    // Drop the oldest insertion (Map keeps insertion order): a simple bound, not an LRU.
    const oldest = verified.keys().next();
    if (oldest.done !== true) verified.delete(oldest.value);
  }
  verified.set(key, { token, until });
}
