/**
 * Random secrets and their hashes, shared by sessions, API tokens, invitations and recovery codes.
 * High-entropy secrets (>= 80 bits) are hashed with plain SHA-256: they cannot be brute-forced, so a slow
 * KDF would only cost CPU. Passwords are different and go through `password.ts`.
 */
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeHex, encodeHexLowerCase } from "@oslojs/encoding";

/** Lowercase letters and digits without the look-alikes l, o, 0 and 1: 32 symbols, 5 bits each. */
export const secretAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

/**
 * A random string of `length` symbols from `secretAlphabet` (5 bits of entropy per symbol; 24 symbols =
 * 120 bits, the Lucia guide's figure for ids and secrets).
 */
export function secureRandomString(length = 24): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  // 256 is a multiple of 32, so keeping the top 5 bits of each byte is uniform.
  for (const byte of bytes) out += secretAlphabet[byte >> 3];
  return out;
}

/** True when every character of `value` belongs to `secretAlphabet` and it has the given length. */
export function isSecretString(value: string, length: number): boolean {
  if (value.length !== length) return false;
  for (const char of value) if (!secretAlphabet.includes(char)) return false;
  return true;
}

/** SHA-256 of the UTF-8 bytes of `secret`, as 64 lowercase hex characters (the form stored at rest). */
export async function sha256Hex(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return encodeHexLowerCase(new Uint8Array(digest));
}

/** Compares a secret with a stored `sha256Hex` hash in constant time. A malformed stored hash never matches. */
export async function verifySecretHash(secret: string, storedHashHex: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(storedHashHex)) return false;
  const actual = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
  return constantTimeEqual(actual, decodeHex(storedHashHex));
}
