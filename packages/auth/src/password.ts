/**
 * Password hashing: Argon2id (RFC 9106) in pure JavaScript from `@noble/hashes`, stored as a standard PHC
 * string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, the format libargon2 writes), so the parameters
 * travel with each hash and can be raised later (`passwordNeedsRehash`). Why Argon2id and these parameters:
 * docs/adr/0006-password-hashing.md.
 */
import { argon2id } from "@noble/hashes/argon2.js";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeBase64IgnorePadding, encodeBase64NoPadding } from "@oslojs/encoding";

export interface PasswordHashParams {
  /** Memory in KiB. */
  memoryKiB: number;
  /** Passes over memory. */
  iterations: number;
  parallelism: number;
  saltBytes: number;
  hashBytes: number;
}

/** Current parameters: OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane), about 0.25 s of CPU per hash. */
export const passwordHashParams: PasswordHashParams = {
  memoryKiB: 19456,
  iterations: 2,
  parallelism: 1,
  saltBytes: 16,
  hashBytes: 32,
};

export const passwordPolicy = {
  /** Counted in Unicode code points after NFKC normalisation. */
  minLength: 12,
  /** Bounds the hashing input; long passphrases remain possible. */
  maxLength: 256,
} as const;

// Upper bounds accepted when reading a stored hash, so a corrupted or planted row cannot make one login
// allocate gigabytes or spin for minutes.
const maxMemoryKiB = 64 * 1024; // half an isolate (128 MB)
const maxIterations = 20;
const maxParallelism = 8;

export type PasswordPolicyResult =
  | { ok: true }
  | { ok: false; reason: "too_short" | "too_long"; limit: number };

function normalizePassword(password: string): string {
  // NIST SP 800-63B: normalise Unicode so the same passphrase typed on two keyboards hashes the same.
  return password.normalize("NFKC");
}

function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Length rules only (minimum 12, maximum 256 code points); no composition rules, by design. */
export function validatePasswordPolicy(password: string): PasswordPolicyResult {
  const length = codePointLength(normalizePassword(password));
  if (length < passwordPolicy.minLength)
    return { ok: false, reason: "too_short", limit: passwordPolicy.minLength };
  if (length > passwordPolicy.maxLength)
    return { ok: false, reason: "too_long", limit: passwordPolicy.maxLength };
  return { ok: true };
}

interface ParsedPasswordHash {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

const phcPattern =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/;

function parsePasswordHash(encoded: string): ParsedPasswordHash | null {
  const match = phcPattern.exec(encoded);
  if (match === null) return null;
  const [, memory, iterations, parallelism, salt, hash] = match;
  if (!memory || !iterations || !parallelism || !salt || !hash) return null;
  const parsed = {
    memoryKiB: Number(memory),
    iterations: Number(iterations),
    parallelism: Number(parallelism),
  };
  if (parsed.iterations < 1 || parsed.iterations > maxIterations) return null;
  if (parsed.parallelism < 1 || parsed.parallelism > maxParallelism) return null;
  if (parsed.memoryKiB < 8 * parsed.parallelism || parsed.memoryKiB > maxMemoryKiB) return null;
  try {
    return { ...parsed, salt: decodeBase64IgnorePadding(salt), hash: decodeBase64IgnorePadding(hash) };
  } catch {
    return null;
  }
}

function derive(
  password: string,
  salt: Uint8Array,
  params: Omit<ParsedPasswordHash, "salt" | "hash">,
  length: number,
) {
  return argon2id(new TextEncoder().encode(normalizePassword(password)), salt, {
    m: params.memoryKiB,
    t: params.iterations,
    p: params.parallelism,
    dkLen: length,
    maxmem: maxMemoryKiB * 1024 + 1024 * 1024,
  });
}

/**
 * Hashes a password into a self-describing PHC string. Check `validatePasswordPolicy` first.
 * Synchronous work inside (about 0.25 s at the default parameters) held behind a Promise so the signature
 * survives a switch to a native or async KDF.
 */
export async function hashPassword(
  password: string,
  params: PasswordHashParams = passwordHashParams,
): Promise<string> {
  const salt = new Uint8Array(params.saltBytes);
  crypto.getRandomValues(salt);
  const hash = derive(password, salt, params, params.hashBytes);
  return `$argon2id$v=19$m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(hash)}`;
}

/** True when `password` matches the stored PHC string; false for a mismatch or an unreadable hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (parsed === null) return false;
  const actual = derive(password, parsed.salt, parsed, parsed.hash.length);
  return constantTimeEqual(actual, parsed.hash);
}

let unknownUserHash: Promise<string> | null = null;

/**
 * Spends the same work as `verifyPassword` and returns false. Call it when the account does not exist (or
 * has no password) so response time does not reveal which e-mail addresses are registered.
 */
export async function verifyPasswordForUnknownUser(password: string): Promise<false> {
  unknownUserHash ??= hashPassword("unknown-user-placeholder");
  await verifyPassword(password, await unknownUserHash);
  return false;
}

/**
 * True when a stored hash was made with other parameters than `params` (or cannot be read): re-hash the
 * password the user just typed correctly and store the new string.
 */
export function passwordNeedsRehash(
  encoded: string,
  params: PasswordHashParams = passwordHashParams,
): boolean {
  const parsed = parsePasswordHash(encoded);
  if (parsed === null) return true;
  return (
    parsed.memoryKiB !== params.memoryKiB ||
    parsed.iterations !== params.iterations ||
    parsed.parallelism !== params.parallelism ||
    parsed.salt.length !== params.saltBytes ||
    parsed.hash.length !== params.hashBytes
  );
}
