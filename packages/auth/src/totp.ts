/**
 * TOTP second factor (RFC 6238 via `@oslojs/otp`: SHA-1, 30 s steps, 6 digits, what every authenticator app
 * supports) with replay protection, recovery codes, and the tenant's "MFA required" rule.
 *
 * The TOTP secret has to be stored readable (the server recomputes codes); encrypt it at rest in the service
 * that stores it. Recovery codes are stored hashed and each works once.
 */

import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
import { secretAlphabet, secureRandomString, sha256Hex, verifySecretHash } from "./secrets.ts";

export const totpPolicy = {
  periodSeconds: 30,
  digits: 6,
  /** RFC 4226 recommends 160-bit keys for HMAC-SHA-1. */
  secretBytes: 20,
  /** Steps accepted either side of the current one, for clock drift. */
  windowSteps: 1,
} as const;

/** A new random TOTP secret (store it encrypted; show it once as a QR code of `totpKeyUri`). */
export function createTotpSecret(): Uint8Array {
  const secret = new Uint8Array(totpPolicy.secretBytes);
  crypto.getRandomValues(secret);
  return secret;
}

/**
 * The `otpauth://totp/…` URI for authenticator apps. `issuer` is the product name the tenant sees (the
 * MSSP's brand), `accountName` usually the user's e-mail address.
 */
export function totpKeyUri(input: { issuer: string; accountName: string; secret: Uint8Array }): string {
  // The label is "issuer:account"; a colon inside either part would make apps split it wrongly.
  const issuer = input.issuer.replaceAll(":", "").trim();
  const accountName = input.accountName.replaceAll(":", "").trim();
  return createTOTPKeyURI(issuer, accountName, input.secret, totpPolicy.periodSeconds, totpPolicy.digits);
}

/** The TOTP time step containing `now`. */
export function totpStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / totpPolicy.periodSeconds);
}

/** The code for a given step (what an authenticator shows then); for tests and enrolment checks. */
export function totpCodeForStep(secret: Uint8Array, step: number): string {
  return generateHOTP(secret, BigInt(step), totpPolicy.digits);
}

export type TotpVerification =
  | { ok: true; step: number }
  | { ok: false; reason: "malformed" | "invalid" | "replayed" };

/**
 * Checks a code against the current step ±1. On success returns the step it matched: store it as the user's
 * "last used step" and pass it back next time as `lastUsedStep`, so a code (or an older one) cannot be
 * replayed. Attempts count towards the login throttle like passwords.
 */
export function verifyTotpCode(input: {
  secret: Uint8Array;
  code: string;
  now: Date;
  lastUsedStep: number | null;
}): TotpVerification {
  const code = input.code.replace(/[\s-]/g, "");
  if (!/^\d+$/.test(code) || code.length !== totpPolicy.digits) return { ok: false, reason: "malformed" };
  const presented = new TextEncoder().encode(code);
  const current = totpStepAt(input.now);
  let matched: number | null = null;
  // Check every step of the window without stopping early, so timing does not tell which step matched.
  for (let step = current - totpPolicy.windowSteps; step <= current + totpPolicy.windowSteps; step++) {
    const expected = new TextEncoder().encode(totpCodeForStep(input.secret, step));
    if (constantTimeEqual(presented, expected) && matched === null) matched = step;
  }
  if (matched === null) return { ok: false, reason: "invalid" };
  if (input.lastUsedStep !== null && matched <= input.lastUsedStep) return { ok: false, reason: "replayed" };
  return { ok: true, step: matched };
}

const recoveryGroups = 4;
const recoveryGroupLength = 4;

/**
 * Ten single-use recovery codes like `k7mq-x2ta-9fpe-wr3d` (16 symbols, 80 bits each: enough that their
 * SHA-256 hashes cannot be reversed offline). Show them once; store `hashRecoveryCode` of each.
 */
export function generateRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const raw = secureRandomString(recoveryGroups * recoveryGroupLength);
    const groups: string[] = [];
    for (let i = 0; i < recoveryGroups; i++)
      groups.push(raw.slice(i * recoveryGroupLength, (i + 1) * recoveryGroupLength));
    return groups.join("-");
  });
}

/** Lowercase, without dashes or spaces; null when it cannot be one of our codes. */
function normalizeRecoveryCode(code: string): string | null {
  const normalized = code.toLowerCase().replace(/[\s-]/g, "");
  if (normalized.length !== recoveryGroups * recoveryGroupLength) return null;
  for (const char of normalized) if (!secretAlphabet.includes(char)) return null;
  return normalized;
}

/** The stored form of a recovery code (SHA-256 hex of its normalised form). */
export async function hashRecoveryCode(code: string): Promise<string> {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new RangeError("not a recovery code");
  return sha256Hex(normalized);
}

/**
 * Finds which stored hash (if any) the typed code matches, checking all of them. The caller deletes the
 * matched hash in the same transaction that signs the user in, so the code works only once.
 */
export async function verifyRecoveryCode(
  code: string,
  storedHashes: readonly string[],
): Promise<{ ok: true; index: number } | { ok: false }> {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) return { ok: false };
  let index = -1;
  for (let i = 0; i < storedHashes.length; i++) {
    const hash = storedHashes[i];
    if (hash !== undefined && (await verifySecretHash(normalized, hash)) && index === -1) index = i;
  }
  return index === -1 ? { ok: false } : { ok: true, index };
}

export type MfaRequirement = "satisfied" | "not_required" | "enrolment_required" | "challenge_required";

/**
 * What a sign-in still needs. A user with TOTP is always challenged; without it, enrolment is forced only
 * when their tenant (set by the MSSP) requires MFA.
 */
export function mfaRequirement(input: {
  tenantRequiresMfa: boolean;
  userHasTotp: boolean;
  sessionPassedMfa: boolean;
}): MfaRequirement {
  if (input.sessionPassedMfa) return "satisfied";
  if (input.userHasTotp) return "challenge_required";
  return input.tenantRequiresMfa ? "enrolment_required" : "not_required";
}

/** The base32 text of a TOTP secret, as shown to people who cannot scan the QR code. */
export function encodeTotpSecret(secret: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(secret);
}

/** Reads a base32 TOTP secret (case and spaces ignored); throws on anything else. */
export function decodeTotpSecret(text: string): Uint8Array {
  return decodeBase32IgnorePadding(text.replace(/\s/g, "").toUpperCase());
}
