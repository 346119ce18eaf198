import { canonicalHostname } from "./domain.ts";
import { canonicalCidr, canonicalIpv4, canonicalIpv6 } from "./ip.ts";
import { refangValue } from "./refang.ts";
import type { CanonicalResult, IndicatorType } from "./types.ts";

export type HashType = "md5" | "sha1" | "sha256" | "sha512";

/** Hash type from the length of a hex string (32, 40, 64, 128), or null for anything else. */
export function hashTypeByLength(hex: string): HashType | null {
  const type = hashLengths[hex.length];
  if (type === undefined) return null;
  for (let i = 0; i < hex.length; i++) if (!isHexCode(hex.charCodeAt(i))) return null;
  return type;
}

export const hashLengths: Partial<Record<number, HashType>> = {
  32: "md5",
  40: "sha1",
  64: "sha256",
  128: "sha512",
};

export function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * `value.toLowerCase()`, skipped when nothing would change: values cut out of a two-byte text (any report
 * with a curly quote) take a slow runtime path in toLowerCase, and nearly all are lower case already.
 * Non-ASCII still goes through toLowerCase (U+212A KELVIN SIGN lower-cases to `k`).
 */
export function toLowerCaseIfNeeded(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return value.toLowerCase();
  }
  return value;
}

/** Ports dropped from canonical URLs because they are the scheme's default. */
const defaultPorts: Record<string, string> = { http: "80", https: "443", ftp: "21", ws: "80", wss: "443" };

/** Canonical host of a URL or email: a domain, an IPv4, or a bracketed IPv6. */
export interface CanonicalHost {
  type: "domain" | "ipv4" | "ipv6";
  value: string;
}

export function canonicalHost(raw: string): CanonicalHost | null {
  if (raw.startsWith("[") && raw.endsWith("]")) {
    const v6 = canonicalIpv6(raw.slice(1, -1));
    return v6 === null ? null : { type: "ipv6", value: v6 };
  }
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(raw.length - 1);
  if (first >= 48 && first <= 57 && last >= 48 && last <= 57) {
    const v4 = canonicalIpv4(raw);
    if (v4 !== null) return { type: "ipv4", value: v4 };
    // All-numeric dotted hosts that are not IPv4 (`1.2.3`) are not domains either: the TLD is numeric.
  }
  const domain = canonicalHostname(raw);
  return domain === null ? null : { type: "domain", value: domain };
}

/** Parts of a canonical URL, for the extractor (which also reports the host). */
export interface CanonicalUrl {
  value: string;
  host: CanonicalHost;
  /** Offset of the host within the raw input, and its raw length. */
  hostStart: number;
  hostLength: number;
  /** Offset within the raw input where the path, query or fragment starts. */
  authorityEnd: number;
}

/**
 * Where a URL's authority ends in `text[start, end)` (`start` just after `://`): at the first `/`, `?`, `#` or
 * `\`, else `end`.
 */
export function urlAuthorityEnd(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92) return i;
  }
  return end;
}

/**
 * Canonical URL: lower-case scheme and host, IDN host as punycode, IPv6 host in RFC 5952 form, default
 * port dropped; userinfo, path, query and fragment kept as written. Input must already be refanged.
 */
export function canonicalUrlParts(raw: string): CanonicalUrl | null {
  const schemeEnd = raw.indexOf("://");
  if (schemeEnd <= 0 || schemeEnd > 16) return null;
  // Nearly every URL is written `http://` or `https://`: no slice and no pattern test for those.
  let scheme: string;
  // The scheme as written is already lower case (then the value may be `raw` itself, see below).
  let schemeAsWritten = true;
  if (raw.startsWith("http") && (schemeEnd === 4 || (schemeEnd === 5 && raw.charCodeAt(4) === 115))) {
    scheme = schemeEnd === 4 ? "http" : "https";
  } else {
    const written = raw.slice(0, schemeEnd);
    scheme = toLowerCaseIfNeeded(written);
    schemeAsWritten = scheme === written;
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return null;
  }
  const authorityStart = schemeEnd + 3;
  const authorityEnd = urlAuthorityEnd(raw, authorityStart, raw.length);
  const at = raw.lastIndexOf("@", authorityEnd - 1);
  const hostStart = at >= authorityStart ? at + 1 : authorityStart;
  let hostEnd = authorityEnd;
  let port = "";
  const closeBracket = raw.charCodeAt(hostStart) === 91 ? raw.indexOf("]", hostStart) : -1;
  const colon = raw.indexOf(":", closeBracket >= 0 ? closeBracket : hostStart);
  if (colon >= 0 && colon < authorityEnd) {
    port = raw.slice(colon + 1, authorityEnd);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
    hostEnd = colon;
  }
  if (hostEnd <= hostStart) return null;
  const rawHost = raw.slice(hostStart, hostEnd);
  const host = canonicalHost(rawHost);
  if (host === null) return null;
  const portPart = port === "" || defaultPorts[scheme] === port ? "" : `:${port}`;
  // Nearly every URL is canonical as written (lower-case scheme and host, no default port): the value is
  // `raw` itself, not a concatenation of five parts that the collector's Set would first have to flatten.
  if (schemeAsWritten && host.type !== "ipv6" && host.value === rawHost && (port === "" || portPart !== "")) {
    return { value: raw, host, hostStart, hostLength: hostEnd - hostStart, authorityEnd };
  }
  const hostPart = host.type === "ipv6" ? `[${host.value}]` : host.value;
  const value = `${scheme}://${raw.slice(authorityStart, hostStart)}${hostPart}${portPart}${raw.slice(authorityEnd)}`;
  return { value, host, hostStart, hostLength: hostEnd - hostStart, authorityEnd };
}

/** Characters allowed in an email local part (RFC 5322 atext plus dots). */
const emailLocalPattern = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * Canonical email: lower-cased whole (mail providers treat local parts case-insensitively in practice,
 * and one form per address is what deduplication needs), domain as canonical hostname.
 */
export function canonicalEmail(raw: string): string | null {
  const at = raw.lastIndexOf("@");
  if (at <= 0 || at > 64) return null;
  const local = raw.slice(0, at);
  if (!emailLocalPattern.test(local)) return null;
  const domain = canonicalHostname(raw.slice(at + 1));
  return domain === null ? null : `${toLowerCaseIfNeeded(local)}@${domain}`;
}

const cvePattern = /^CVE-(\d{4})-(\d{4,7})$/i;

export function canonicalCve(raw: string): string | null {
  return cvePattern.test(raw) ? raw.toUpperCase() : null;
}

const asnPattern = /^(?:AS|ASN)?[ ]?(\d{1,10})$/i;

/** Canonical ASN `AS<n>` from `AS15169`, `ASN15169`, `as 15169` or `15169`; 32-bit range. */
export function canonicalAsn(raw: string): string | null {
  const match = asnPattern.exec(raw);
  const digits = match?.[1];
  if (digits === undefined) return null;
  const number = Number(digits);
  return number > 4294967295 ? null : `AS${number}`;
}

function canonicalHash(type: HashType, raw: string): string | null {
  return hashTypeByLength(raw) === type ? raw.toLowerCase() : null;
}

type Canonicalizer = (raw: string) => string | null;

const canonicalizers: Record<IndicatorType, Canonicalizer> = {
  ipv4: canonicalIpv4,
  ipv6: (raw) => canonicalIpv6(raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw),
  cidr: canonicalCidr,
  domain: canonicalHostname,
  url: (raw) => canonicalUrlParts(raw)?.value ?? null,
  email: canonicalEmail,
  md5: (raw) => canonicalHash("md5", raw),
  sha1: (raw) => canonicalHash("sha1", raw),
  sha256: (raw) => canonicalHash("sha256", raw),
  sha512: (raw) => canonicalHash("sha512", raw),
  cve: canonicalCve,
  asn: canonicalAsn,
};

/**
 * Refangs, validates and normalizes one value of a known type. Idempotent: canonicalizing a canonical
 * value returns it unchanged. Fast enough for every row of million-row feeds (no regex on clean values
 * except the type's own check).
 *
 * @example canonicalize("domain", "Evil[.]COM.") // { ok: true, type: "domain", value: "evil.com" }
 */
export function canonicalize(type: IndicatorType, raw: string): CanonicalResult {
  const value = canonicalizers[type](refangValue(raw.trim()));
  return value === null ? { ok: false, reason: `not a valid ${type}` } : { ok: true, type, value };
}

/**
 * Guesses the type of one bare value (feeds with a single value column) and canonicalizes it.
 *
 * @example detectIndicator("hxxp://1.2.3[.]4:80/x") // { ok: true, type: "url", value: "http://1.2.3.4/x" }
 */
export function detectIndicator(raw: string): CanonicalResult {
  const text = refangValue(raw.trim());
  if (text.length === 0) return { ok: false, reason: "empty value" };
  const type = guessType(text);
  if (type === null) return { ok: false, reason: "not a recognised indicator" };
  const value = canonicalizers[type](text);
  return value === null
    ? { ok: false, reason: `looks like ${type} but is not valid` }
    : { ok: true, type, value };
}

function guessType(text: string): IndicatorType | null {
  if (text.includes("://")) return "url";
  if (text.includes("@")) return "email";
  if (text.includes("/")) return "cidr";
  const first = text.charCodeAt(0);
  if (text.includes(":")) return "ipv6";
  const hash = hashTypeByLength(text);
  if (hash !== null) return hash;
  if ((first === 67 || first === 99) && cvePattern.test(text)) return "cve";
  if ((first === 65 || first === 97) && asnPattern.test(text) && !text.includes(".")) return "asn";
  if (first >= 48 && first <= 57) {
    const last = text.charCodeAt(text.length - 1);
    if (last >= 48 && last <= 57) return canonicalIpv4(text) !== null ? "ipv4" : null;
  }
  return text.includes(".") ? "domain" : null;
}
