/**
 * Browser sessions, following the Lucia author's guide ("Basic session implementation" and "Inactivity
 * timeout" on lucia-auth.com) without the deprecated `lucia` package (see docs/adr/0002).
 *
 * - token = `<id>.<secret>`, each 24 symbols (120 bits) from `secretAlphabet`;
 * - only SHA-256(secret) is stored; the id is the row's key, so lookups never compare secrets;
 * - the secret is checked in constant time;
 * - a session ends after `inactivityTimeoutSeconds` without use (and after `absoluteLifetimeSeconds` in any
 *   case); `lastVerifiedAt` is written back at most once per `activityCheckIntervalSeconds`.
 */
import { isSecretString, secureRandomString, sha256Hex, verifySecretHash } from "./secrets.ts";

const sessionPartLength = 24;

export const sessionPolicy = {
  /** Signed out after this long without a request. */
  inactivityTimeoutSeconds: 60 * 60 * 24 * 3,
  /** `lastVerifiedAt` is refreshed at most this often, to spare the database a write per request. */
  activityCheckIntervalSeconds: 60 * 60,
  /** Signed out after this long whatever the activity, so a stolen cookie cannot live forever. */
  absoluteLifetimeSeconds: 60 * 60 * 24 * 30,
} as const;

export type SessionPolicy = { readonly [K in keyof typeof sessionPolicy]: number };

/** The cookie name. `__Host-` makes browsers refuse it unless Secure, host-only and `Path=/`. */
export const sessionCookieName = "__Host-tf_session";
/** Plain-HTTP development cannot set `__Host-` cookies, so it uses this name instead. */
export const insecureSessionCookieName = "tf_session";

export interface NewSessionToken {
  /** Row key; not secret. */
  id: string;
  /** Never stored; only its hash is. */
  secret: string;
  /** `<id>.<secret>`, sent to the client once in the cookie. */
  token: string;
}

/** A fresh session token. Store `id` and `await hashSessionSecret(secret)`; send `token` in the cookie. */
export function createSessionToken(): NewSessionToken {
  const id = secureRandomString(sessionPartLength);
  const secret = secureRandomString(sessionPartLength);
  return { id, secret, token: `${id}.${secret}` };
}

/** Splits a token into id and secret; null when it does not have the exact shape we issue. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const parts = token.split(".");
  if (parts.length !== 2) return null;
  const [id, secret] = parts;
  if (id === undefined || secret === undefined) return null;
  if (!isSecretString(id, sessionPartLength) || !isSecretString(secret, sessionPartLength)) return null;
  return { id, secret };
}

/** SHA-256 of the secret as lowercase hex: the only form of the secret that is stored. */
export function hashSessionSecret(secret: string): Promise<string> {
  return sha256Hex(secret);
}

/** Constant-time check of a presented secret against the stored hash. */
export function verifySessionSecret(secret: string, storedHash: string): Promise<boolean> {
  return verifySecretHash(secret, storedHash);
}

/**
 * True when `lastVerifiedAt` should be written back now (the token has just been verified and the last write
 * is at least one check interval old). Update only after verifying the secret.
 */
export function sessionNeedsRefresh(
  lastVerifiedAt: Date,
  now: Date,
  policy: SessionPolicy = sessionPolicy,
): boolean {
  return now.getTime() - lastVerifiedAt.getTime() >= policy.activityCheckIntervalSeconds * 1000;
}

/** True when the session is over: idle too long, or older than the absolute lifetime. Delete it then. */
export function sessionExpired(
  session: { createdAt: Date; lastVerifiedAt: Date },
  now: Date,
  policy: SessionPolicy = sessionPolicy,
): boolean {
  const idleMs = now.getTime() - session.lastVerifiedAt.getTime();
  const ageMs = now.getTime() - session.createdAt.getTime();
  return idleMs >= policy.inactivityTimeoutSeconds * 1000 || ageMs >= policy.absoluteLifetimeSeconds * 1000;
}

export interface SessionCookieOptions {
  /** False only for local plain-HTTP development. Default true. */
  secure?: boolean;
  /** Seconds; defaults to the inactivity timeout (re-sent on every refresh, so it slides with activity). */
  maxAge?: number;
}

/** The `Set-Cookie` value that stores the session token: `HttpOnly; Secure; SameSite=Lax; Path=/`. */
export function sessionCookie(token: string, options: SessionCookieOptions = {}): string {
  const secure = options.secure ?? true;
  const maxAge = Math.max(0, Math.floor(options.maxAge ?? sessionPolicy.inactivityTimeoutSeconds));
  const name = secure ? sessionCookieName : insecureSessionCookieName;
  return `${name}=${token}; Max-Age=${maxAge}; Path=/; HttpOnly;${secure ? " Secure;" : ""} SameSite=Lax`;
}

/** The `Set-Cookie` value that removes the session cookie (sign-out, or an invalid token was presented). */
export function blankSessionCookie(options: { secure?: boolean } = {}): string {
  return sessionCookie("", { secure: options.secure ?? true, maxAge: 0 });
}

/**
 * The session token from a `Cookie` request header, or null. Reads only the cookie name of the given mode, so
 * in production a plain `tf_session` cookie planted by a sibling subdomain is ignored. Values that do not
 * parse as session tokens are skipped.
 */
export function readSessionCookie(
  cookieHeader: string | null | undefined,
  options: { secure?: boolean } = {},
): string | null {
  if (!cookieHeader) return null;
  const name = (options.secure ?? true) ? sessionCookieName : insecureSessionCookieName;
  for (const pair of cookieHeader.split(";")) {
    const separator = pair.indexOf("=");
    if (separator === -1) continue;
    if (pair.slice(0, separator).trim() !== name) continue;
    const value = pair.slice(separator + 1).trim();
    if (parseSessionToken(value) !== null) return value;
  }
  return null;
}
