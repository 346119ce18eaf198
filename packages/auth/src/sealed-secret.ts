/**
 * Encryption at rest for secrets the server must read back (TOTP keys): AES-256-GCM with Web Crypto, under a
 * key from configuration (`SECRETS_KEY`, 32 random bytes in base64). The sealed form is
 * `v1.<iv>.<ciphertext>` (base64url), and `context` (e.g. the user id) is bound as additional data, so a
 * sealed value copied onto another user's row does not open.
 */
import { decodeBase64, decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

const ivBytes = 12;

/** Imports a base64 `SECRETS_KEY` (exactly 32 bytes) as an AES-GCM key; throws RangeError otherwise. */
export async function importSecretsKey(base64Key: string): Promise<CryptoKey> {
  let raw: Uint8Array;
  try {
    raw = decodeBase64(base64Key.trim());
  } catch {
    throw new RangeError("SECRETS_KEY must be base64");
  }
  if (raw.length !== 32) throw new RangeError("SECRETS_KEY must hold exactly 32 bytes");
  return crypto.subtle.importKey("raw", Uint8Array.from(raw), { name: "AES-GCM" }, false, [
    "encrypt",
    "decrypt",
  ]);
}

/** A fresh random key in the `SECRETS_KEY` format (base64 of 32 bytes), for dev stacks and tests. */
export function generateSecretsKey(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** Seals `plaintext` bound to `context`. */
export async function sealSecret(key: CryptoKey, plaintext: Uint8Array, context: string): Promise<string> {
  const iv = new Uint8Array(ivBytes);
  crypto.getRandomValues(iv);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    key,
    Uint8Array.from(plaintext),
  );
  return `v1.${encodeBase64urlNoPadding(iv)}.${encodeBase64urlNoPadding(new Uint8Array(sealed))}`;
}

/** Opens a value sealed with `sealSecret` under the same key and context; null when it does not open. */
export async function openSealedSecret(
  key: CryptoKey,
  sealed: string,
  context: string,
): Promise<Uint8Array | null> {
  const [version, ivText, dataText, ...rest] = sealed.split(".");
  if (version !== "v1" || ivText === undefined || dataText === undefined || rest.length > 0) return null;
  try {
    const iv = Uint8Array.from(decodeBase64urlIgnorePadding(ivText));
    if (iv.length !== ivBytes) return null;
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
      key,
      Uint8Array.from(decodeBase64urlIgnorePadding(dataText)),
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}
