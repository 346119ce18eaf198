/**
 * API tokens: `tf_<id>_<secret><checksum>`, e.g. `tf_01jd6m3v2c8k4q9x7t5r0b1n2p_k7mq…`.
 *
 * - `tf_` prefix and fixed shape make leaked tokens greppable (`apiTokenPattern`), and the CRC-32 checksum
 *   lets secret scanners tell a real token from a look-alike offline, as GitHub's tokens do;
 * - `<id>` is the body of the token's row id (`tok_<id>`, from `newId`), so lookup is by primary key and no
 *   secret is ever compared in a query;
 * - `<secret>` is 32 symbols (160 bits); only its SHA-256 is stored, and the token is shown once.
 */
import { idPrefix, isId, newId, type TokenScope, tokenScopes } from "@threatfusion/core";
import ipaddr from "ipaddr.js";
import {
  isSecretString,
  secretAlphabet,
  secureRandomString,
  sha256Hex,
  verifySecretHash,
} from "./secrets.ts";
import { readSessionCookie } from "./session.ts";

export const apiTokenPrefix = "tf_";
const secretLength = 32;
const checksumLength = 7;

/** Matches a whole API token anywhere in text (for secret scanning and log redaction). */
export const apiTokenPattern = /\btf_[0-9a-hjkmnp-tv-z]{26}_[a-km-np-z2-9]{39}\b/g;

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as in zip and PNG) of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksumOf(body: string): string {
  const crc = crc32(body);
  let out = "";
  for (let i = checksumLength - 1; i >= 0; i--) out += secretAlphabet[Math.floor(crc / 2 ** (5 * i)) % 32];
  return out;
}

export interface NewApiToken {
  /** The row id, `tok_…`. */
  id: string;
  /** The full token: show it to the user once, never store it. */
  token: string;
  /** SHA-256 hex of the secret: the only form stored. */
  secretHash: string;
  /** A non-secret hint for listings, e.g. `tf_01jd6m3v…`. */
  hint: string;
}

/** A new API token. Store `id`, `secretHash`, `hint`; return `token` to the user exactly once. */
export async function createApiToken(now: number = Date.now()): Promise<NewApiToken> {
  const id = newId("apiToken", now);
  const idBody = id.slice(idPrefix("apiToken").length + 1);
  const secret = secureRandomString(secretLength);
  const body = `${apiTokenPrefix}${idBody}_${secret}`;
  return {
    id,
    token: `${body}${checksumOf(body)}`,
    secretHash: await sha256Hex(secret),
    hint: apiTokenHint(id),
  };
}

/** The listing hint of a token row id: prefix plus the first 8 id characters. */
export function apiTokenHint(id: string): string {
  return `${apiTokenPrefix}${id.slice(idPrefix("apiToken").length + 1, idPrefix("apiToken").length + 9)}…`;
}

/** True when the text has a token's shape and a valid checksum (offline check; says nothing of validity). */
export function hasValidApiTokenChecksum(token: string): boolean {
  return parseApiToken(token) !== null;
}

/** Splits a token into its row id (`tok_…`) and secret; null for anything malformed or with a bad checksum. */
export function parseApiToken(token: string): { id: string; secret: string } | null {
  const match = /^tf_([0-9a-hjkmnp-tv-z]{26})_([a-km-np-z2-9]{32})([a-km-np-z2-9]{7})$/.exec(token);
  if (match === null) return null;
  const [, idBody, secret, checksum] = match;
  if (idBody === undefined || secret === undefined || checksum === undefined) return null;
  if (checksumOf(`${apiTokenPrefix}${idBody}_${secret}`) !== checksum) return null;
  const id = `${idPrefix("apiToken")}_${idBody}`;
  if (!isId("apiToken", id) || !isSecretString(secret, secretLength)) return null;
  return { id, secret };
}

/** Constant-time check of a token's secret against the stored hash. */
export function verifyApiTokenSecret(secret: string, storedHash: string): Promise<boolean> {
  return verifySecretHash(secret, storedHash);
}

/** Validates requested scopes against the closed list; duplicates removed, order kept. */
export function parseTokenScopes(
  requested: readonly string[],
): { ok: true; scopes: TokenScope[] } | { ok: false; unknown: string[] } {
  const unknown = requested.filter((scope) => !(tokenScopes as readonly string[]).includes(scope));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: [...new Set(requested as readonly TokenScope[])] };
}

export const apiTokenExpiryPolicy = {
  minSeconds: 5 * 60,
  maxSeconds: 365 * 24 * 60 * 60,
} as const;

export type TokenExpiryCheck =
  | { ok: true }
  | { ok: false; reason: "too_soon" | "too_late" | "expiry_required" };

/**
 * Checks a requested expiry: between 5 minutes and 1 year from now, or none at all when the MSSP allows
 * tokens without expiry for this tenant.
 */
export function validateTokenExpiry(input: {
  expiresAt: Date | null;
  now: Date;
  allowNoExpiry: boolean;
}): TokenExpiryCheck {
  if (input.expiresAt === null)
    return input.allowNoExpiry ? { ok: true } : { ok: false, reason: "expiry_required" };
  const seconds = (input.expiresAt.getTime() - input.now.getTime()) / 1000;
  if (!(seconds >= apiTokenExpiryPolicy.minSeconds)) return { ok: false, reason: "too_soon" };
  if (seconds > apiTokenExpiryPolicy.maxSeconds) return { ok: false, reason: "too_late" };
  return { ok: true };
}

/** True when a token with this expiry may no longer be used. */
export function apiTokenExpired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && now.getTime() >= expiresAt.getTime();
}

type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses an address strictly (dotted-quad IPv4 or IPv6), unwrapping IPv4-mapped IPv6 (`::ffff:a.b.c.d`). */
function parseAddress(value: string): ParsedAddress | null {
  const text = value.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a /32 or /128); IPv4-mapped ranges become IPv4 ones. */
function parseRange(value: string): [ParsedAddress, number] | null {
  const [addressText, bitsText, ...rest] = value.trim().split("/");
  if (addressText === undefined || rest.length > 0) return null;
  const address = parseAddress(addressText);
  if (address === null) return null;
  const wasMapped = address.kind() === "ipv4" && addressText.includes(":");
  const maxBits = address.kind() === "ipv4" ? 32 : 128;
  if (bitsText === undefined) return [address, maxBits];
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  let bits = Number(bitsText);
  if (wasMapped) {
    if (bits < 96 || bits > 128) return null;
    bits -= 96;
  }
  return bits <= maxBits ? [address, bits] : null;
}

/**
 * Validates and normalises an allowlist as typed by an admin (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
 * Returns canonical CIDR strings, or the entries that are not valid.
 */
export function parseIpAllowlist(
  entries: readonly string[],
): { ok: true; cidrs: string[] } | { ok: false; invalid: string[] } {
  const cidrs: string[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const range = parseRange(entry);
    if (range === null) invalid.push(entry);
    else cidrs.push(`${range[0].toNormalizedString()}/${range[1]}`);
  }
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, cidrs };
}

/**
 * True when `ip` falls in one of `cidrs`; an empty list means "no allowlist" and allows every address.
 * IPv4 clients reaching us as IPv4-mapped IPv6 match IPv4 ranges. An unparseable client address or range never
 * matches.
 */
export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const address = parseAddress(ip);
  if (address === null) return false;
  return cidrs.some((cidr) => {
    const range = parseRange(cidr);
    return range !== null && range[0].kind() === address.kind() && address.match(range);
  });
}

export type Credentials =
  | { kind: "api_token"; token: string; via: "bearer" | "basic" }
  | { kind: "session"; token: string }
  | { kind: "none" }
  | { kind: "invalid"; reason: "unsupported_scheme" | "malformed_authorization" | "not_an_api_token" };

function decodeBasic(value: string): string | null {
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Finds the credentials of a request. An `Authorization` header wins over the session cookie:
 * `Bearer <token>`, or `Basic base64(anything:<token>)` for TAXII clients that can only send a password.
 * Only a well-formed API token with a valid checksum is returned as one; anything else in the header is
 * "invalid" (answer 401, and do not fall back to the cookie). Cookie sessions need the CSRF check; tokens do not.
 */
export function readCredentials(headers: Headers, options: { secureCookies?: boolean } = {}): Credentials {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^([A-Za-z]+) +(\S+)\s*$/.exec(authorization.trim());
    if (match === null) return { kind: "invalid", reason: "malformed_authorization" };
    const [, scheme = "", value = ""] = match;
    let token: string;
    let via: "bearer" | "basic";
    if (scheme.toLowerCase() === "bearer") {
      token = value;
      via = "bearer";
    } else if (scheme.toLowerCase() === "basic") {
      const decoded = decodeBasic(value);
      const separator = decoded?.indexOf(":") ?? -1;
      if (decoded === null || decoded === undefined || separator === -1) {
        return { kind: "invalid", reason: "malformed_authorization" };
      }
      token = decoded.slice(separator + 1);
      via = "basic";
    } else {
      return { kind: "invalid", reason: "unsupported_scheme" };
    }
    return parseApiToken(token) === null
      ? { kind: "invalid", reason: "not_an_api_token" }
      : { kind: "api_token", token, via };
  }
  const session = readSessionCookie(headers.get("cookie"), { secure: options.secureCookies ?? true });
  return session === null ? { kind: "none" } : { kind: "session", token: session };
}
