import type { IndicatorType } from "@threatfusion/ioc";
import { indicatorTypes } from "@threatfusion/ioc";

export const warninglistTypes = ["string", "substring", "hostname", "cidr", "regex"] as const;
export type WarninglistType = (typeof warninglistTypes)[number];

/** A MISP warninglist as published in MISP/misp-warninglists (`lists/<name>/list.json`). */
export interface Warninglist {
  name: string;
  description: string;
  version: number;
  type: WarninglistType;
  matching_attributes?: string[];
  list: string[];
  /** Present in newer lists: "false-positive" (benign) or "known" (informational). */
  category?: string;
}

export type WarninglistParse = { ok: true; list: Warninglist } | { ok: false; errors: string[] };

/** Validates parsed JSON against the warninglist schema (required fields and their types). */
export function parseWarninglist(json: unknown): WarninglistParse {
  const errors: string[] = [];
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, errors: ["a warninglist must be a JSON object"] };
  }
  const record = json as Record<string, unknown>;
  for (const key of ["name", "description"] as const) {
    if (typeof record[key] !== "string") errors.push(`${key} must be a string`);
  }
  if (typeof record.version !== "number") errors.push("version must be a number");
  if (typeof record.type !== "string" || !(warninglistTypes as readonly string[]).includes(record.type)) {
    errors.push(`type must be one of ${warninglistTypes.join(", ")}`);
  }
  if (!Array.isArray(record.list) || record.list.some((entry) => typeof entry !== "string")) {
    errors.push("list must be an array of strings");
  }
  const attributes = record.matching_attributes;
  if (
    attributes !== undefined &&
    (!Array.isArray(attributes) || attributes.some((attribute) => typeof attribute !== "string"))
  ) {
    errors.push("matching_attributes must be an array of strings");
  }
  if (record.category !== undefined && typeof record.category !== "string") {
    errors.push("category must be a string");
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, list: record as unknown as Warninglist };
}

const ipTypes: IndicatorType[] = ["ipv4", "ipv6", "cidr"];

/** MISP attribute types -> our indicator types. Direction (src/dst) and composites collapse. */
const attributeTypes: Record<string, IndicatorType[]> = {
  "ip-src": ipTypes,
  "ip-dst": ipTypes,
  "ip-src|port": ipTypes,
  "ip-dst|port": ipTypes,
  domain: ["domain"],
  hostname: ["domain"],
  "hostname|port": ["domain"],
  url: ["url"],
  uri: ["url"],
  link: ["url"],
  "email-src": ["email"],
  "email-dst": ["email"],
  "target-email": ["email"],
  "whois-registrant-email": ["email"],
  "dns-soa-email": ["email"],
  email: ["email"],
  md5: ["md5"],
  "filename|md5": ["md5"],
  "x509-fingerprint-md5": ["md5"],
  sha1: ["sha1"],
  "filename|sha1": ["sha1"],
  "x509-fingerprint-sha1": ["sha1"],
  sha256: ["sha256"],
  "filename|sha256": ["sha256"],
  "x509-fingerprint-sha256": ["sha256"],
  sha512: ["sha512"],
  "filename|sha512": ["sha512"],
  vulnerability: ["cve"],
  AS: ["asn"],
};

/** The indicator types a list of each type can ever match, whatever its attributes say. */
const typesByListType: Record<WarninglistType, readonly IndicatorType[]> = {
  cidr: ipTypes,
  hostname: ["domain", "url", "email"],
  string: indicatorTypes,
  substring: indicatorTypes,
  regex: indicatorTypes,
};

export function typeBit(type: IndicatorType): number {
  return 1 << indicatorTypes.indexOf(type);
}

export function typeMaskOf(types: Iterable<IndicatorType>): number {
  let mask = 0;
  for (const type of types) mask |= typeBit(type);
  return mask;
}

/**
 * The indicator types a warninglist applies to, as a bit mask: its `matching_attributes` mapped to
 * our types (`domain|ip` means the IP half for a cidr list and the domain half otherwise), limited
 * to what its list type can match. No attributes: every type the list type can match.
 */
export function warninglistTypeMask(list: Pick<Warninglist, "type" | "matching_attributes">): number {
  const possible = typeMaskOf(typesByListType[list.type]);
  const attributes = list.matching_attributes;
  if (attributes === undefined || attributes.length === 0) return possible;
  let mask = 0;
  for (const attribute of attributes) {
    if (attribute === "domain|ip") {
      mask |= list.type === "cidr" ? typeMaskOf(ipTypes) : typeBit("domain");
      continue;
    }
    for (const type of attributeTypes[attribute] ?? []) mask |= typeBit(type);
  }
  return mask & possible;
}

export type ListEffect = "suppress" | "flag";

/**
 * Lists that describe infrastructure attackers also use: a match is shown as a warning but does
 * not suppress. Suppressing them would hide real threats (a malicious `evil.duckdns.org`, a phishing
 * URL behind bit.ly, an attacker's VPN exit). Keyed by the list's directory name in misp-warninglists.
 */
export const informationalWarninglists: ReadonlySet<string> = new Set([
  "dynamic-dns",
  "disposable-email",
  "url-shortener",
  "link-in-bio",
  "lots-project",
  "public-ipfs-gateways",
  "parking-domain",
  "parking-domain-ns",
  "vpn-ipv4",
  "vpn-ipv6",
  "phone_numbers",
]);

/** Default effect of a list: informational lists and lists with category "known" only flag. */
export function defaultListEffect(listId: string, list: Pick<Warninglist, "category">): ListEffect {
  if (list.category === "known" || informationalWarninglists.has(listId)) return "flag";
  return "suppress";
}
