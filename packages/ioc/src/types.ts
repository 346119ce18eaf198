/**
 * The public contract of the IOC engine. Other packages (feeds, scoring, exports, services, portal)
 * code against these names; keep them stable and add types without reshaping.
 */
export const indicatorTypes = [
  "ipv4",
  "ipv6",
  "cidr",
  "domain",
  "url",
  "email",
  "md5",
  "sha1",
  "sha256",
  "sha512",
  "cve",
  "asn",
] as const;

export type IndicatorType = (typeof indicatorTypes)[number];

export type CanonicalResult =
  | { ok: true; type: IndicatorType; value: string }
  | { ok: false; reason: string };

export interface Finding {
  type: IndicatorType;
  /** Canonical (refanged, normalized) value. */
  value: string;
  /** UTF-16 offset of the match in the input text, and its length there (as written, maybe defanged). */
  offset: number;
  length: number;
  /** For a URL: its host finding is reported too, with `derivedFrom: "url"`; for an email: its domain. */
  derivedFrom?: "url" | "email";
}
