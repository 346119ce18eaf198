import { getDomain, parse } from "tldts";

/**
 * Suffixes are checked against the ICANN section of the Public Suffix List (through tldts) and cached,
 * because the same few hundred TLDs come back millions of times in feeds. `onion` is not in the PSL but is
 * an indicator in its own right (RFC 7686).
 */
const tldCache = new Map<string, boolean>([["onion", true]]);
const maxCachedUnknownTlds = 10_000;
let cachedUnknownTlds = 0;

/**
 * True when `suffix` (lower-case ASCII, punycode for IDN) is an ICANN public suffix: a delegated TLD such as
 * `com`, or a rule such as `co.uk`; also `onion`. Some ccTLDs have only second-level rules in the PSL
 * (`co.za`, `web.za`, not `za`), so hostname checks also try the last two labels.
 */
export function isPublicSuffix(suffix: string): boolean {
  const cached = tldCache.get(suffix);
  if (cached !== undefined) return cached;
  // The probe label must not be a suffix itself: the PSL lists `x.se`, `a.bg`, `0.bg` and the like.
  const result = parse(`tf-probe-7q.${suffix}`, { extractHostname: false, validateHostname: false });
  const known = result.isIcann === true && result.publicSuffix === suffix;
  if (known || cachedUnknownTlds < maxCachedUnknownTlds) {
    tldCache.set(suffix, known);
    if (!known) cachedUnknownTlds++;
  }
  return known;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Checks lower-case ASCII host syntax: 2+ labels of 1-63 chars `[a-z0-9_-]`, no hyphen at a label's
 * edge, total <= 253, alphabetic (or `xn--`) TLD, and a known public suffix at the end.
 */
function checkAsciiHostname(host: string): boolean {
  const length = host.length;
  if (length < 3 || length > 253) return false;
  let labelStart = 0;
  let previousLabelStart = 0;
  let labels = 0;
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 : host.charCodeAt(i);
    if (c === 46) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > 63) return false;
      if (host.charCodeAt(labelStart) === 45 || host.charCodeAt(i - 1) === 45) return false;
      labels++;
      if (i !== length) {
        previousLabelStart = labelStart;
        labelStart = i + 1;
      }
      continue;
    }
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  if (labels < 2) return false;
  return hasKnownSuffix(host, labelStart, previousLabelStart, labels);
}

/**
 * The TLD part of checkAsciiHostname, for a lower-case host whose labels passed: the last label (from
 * `labelStart`) is an A-label or 2+ letters, and a known public suffix ends the name.
 */
function hasKnownSuffix(
  host: string,
  labelStart: number,
  previousLabelStart: number,
  labels: number,
): boolean {
  const length = host.length;
  const tldLength = length - labelStart;
  if (host.startsWith("xn--", labelStart)) {
    if (tldLength < 5) return false;
  } else {
    for (let i = labelStart; i < length; i++) if (!isAsciiLetter(host.charCodeAt(i))) return false;
    if (tldLength < 2) return false;
  }
  return isKnownTld(host, labelStart) || (labels >= 3 && isPublicSuffix(host.slice(previousLabelStart)));
}

/**
 * isPublicSuffix of the last label `host[start..]`, remembered by a number computed from its letters for
 * labels of 2-4 letters (nearly all TLDs): no substring and no string hashing per host name.
 */
const shortTldCodes = 27 ** 4;
const shortTldKnown = new Int8Array(shortTldCodes); // 0 not yet looked up, 1 known, -1 unknown

function isKnownTld(host: string, start: number): boolean {
  return isKnownTldLabel(host, start, host.length);
}

/**
 * isPublicSuffix of the label `text[start, end)` lower-cased, read as written (so the extractor can rule out
 * `file.exe` before it copies a name). ASCII letters fold with `| 32`, which maps no other character into
 * `a`–`z`; any other label (`xn--…`, digits) is looked up as a lower-cased copy.
 */
export function isKnownTldLabel(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length > 4) return isPublicSuffix(text.slice(start, end).toLowerCase());
  let code = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return isPublicSuffix(text.slice(start, end).toLowerCase());
    code = code * 27 + (c - 96);
  }
  const cached = shortTldKnown[code] ?? 0;
  if (cached !== 0) return cached === 1;
  const known = isPublicSuffix(text.slice(start, end).toLowerCase());
  shortTldKnown[code] = known ? 1 : -1;
  return known;
}

/** IDN to A-labels through the WHATWG URL host parser (UTS #46), available in Node, workerd and browsers. */
function toAsciiHost(host: string): string | null {
  if (/[/?#@:\\[\]%\s]/.test(host)) return null;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

/**
 * Canonical form of a hostname (already refanged): lower-case, no trailing dot, IDN as punycode A-labels.
 * Returns null when it is not a valid domain under a real TLD.
 *
 * @example canonicalHostname("Tést.Example.COM.") // "xn--tst-bma.example.com"
 */
export function canonicalHostname(raw: string): string | null {
  let host = raw.endsWith(".") ? raw.slice(0, -1) : raw;
  // One pass decides the path and checks the syntax of checkAsciiHostname on the text as written (upper
  // case counts as the lower-case letter it becomes): non-ASCII goes through the URL parser; ASCII is
  // lower-cased only when it has upper case, and only once its syntax and TLD shape have passed.
  const length = host.length;
  let hasUpper = false;
  let lastDot = -1;
  let syntaxOk = length >= 3 && length <= 253;
  let labelStart = 0;
  let previousLabelStart = 0;
  let labels = 0;
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 : host.charCodeAt(i);
    if (c > 127) {
      const ascii = toAsciiHost(host);
      if (ascii === null) return null;
      return checkAsciiHostname(ascii) ? ascii : null;
    }
    if (c === 46) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > 63) syntaxOk = false;
      else if (host.charCodeAt(labelStart) === 45 || host.charCodeAt(i - 1) === 45) syntaxOk = false;
      labels++;
      if (i !== length) {
        lastDot = i;
        previousLabelStart = labelStart;
        labelStart = i + 1;
      }
    } else if (c >= 65 && c <= 90) hasUpper = true;
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) syntaxOk = false;
  }
  if (length > 253 || !mayBeTld(host, lastDot + 1)) return null;
  if (!syntaxOk || labels < 2) return null;
  if (hasUpper) host = host.toLowerCase();
  return hasKnownSuffix(host, labelStart, previousLabelStart, labels) ? host : null;
}

/** The last label is letters only (2+) or an `xn--` A-label: the syntax checkAsciiHostname requires of a TLD. */
function mayBeTld(host: string, start: number): boolean {
  if (host.length - start < 2) return false;
  const isALabel =
    (host.charCodeAt(start) | 32) === 120 &&
    (host.charCodeAt(start + 1) | 32) === 110 &&
    host.charCodeAt(start + 2) === 45 &&
    host.charCodeAt(start + 3) === 45;
  if (isALabel) return true;
  for (let i = start; i < host.length; i++) if (!isAsciiLetter(host.charCodeAt(i))) return false;
  return true;
}

/**
 * True when `domain` is a syntactically valid host name under a delegated TLD (case-insensitive,
 * trailing dot and IDN allowed). Not refanged: pass refanged input.
 */
export function isValidDomain(domain: string): boolean {
  return canonicalHostname(domain) !== null;
}

/**
 * The registrable domain (eTLD+1) of a domain, using the ICANN and private sections of the Public
 * Suffix List, so `a.b.duckdns.org` gives `b.duckdns.org` (each dynamic-DNS customer stays separate).
 * Null for invalid domains and for bare public suffixes.
 *
 * @example registrableDomain("www.example.co.uk") // "example.co.uk"
 */
export function registrableDomain(domain: string): string | null {
  const host = canonicalHostname(domain);
  if (host === null) return null;
  return getDomain(host, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
}
