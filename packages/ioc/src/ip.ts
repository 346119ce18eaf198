import { AppError } from "@threatfusion/core";
import ipaddr from "ipaddr.js";

/**
 * Canonical dotted-quad IPv4: exactly four decimal octets 0-255, leading zeros dropped (`010.1.1.1` is
 * read as decimal 10, the way reports write it, not as inet_aton octal). Null when invalid.
 */
export function canonicalIpv4(raw: string): string | null {
  const length = raw.length;
  if (length < 7 || length > 15) return null;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 : raw.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) leadingZero = true;
      octet = octet * 10 + (c - 48);
      digits++;
      if (digits > 3) return null;
    } else if (c === 46) {
      if (digits === 0 || octet > 255) return null;
      if (i !== length) dots++;
      octet = 0;
      digits = 0;
    } else {
      return null;
    }
  }
  if (dots !== 3) return null;
  // Nearly every address is written canonically already: return it without rebuilding it.
  return leadingZero ? raw.split(".").map(Number).join(".") : raw;
}

/** Canonical IPv6 in RFC 5952 form (lower-case, longest zero run compressed, embedded IPv4 kept). */
export function canonicalIpv6(raw: string): string | null {
  if (raw.length < 2 || raw.length > 45 || !raw.includes(":")) return null;
  if (!ipaddr.IPv6.isValid(raw)) return null;
  try {
    const address = ipaddr.IPv6.parse(raw);
    if (address.zoneId !== undefined) return null;
    // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
    if (address.isIPv4MappedAddress()) return `::ffff:${address.toIPv4Address().toString()}`;
    return address.toRFC5952String();
  } catch {
    return null;
  }
}

/**
 * Canonical CIDR: the network address of the block and its prefix length, `10.1.2.3/8` -> `10.0.0.0/8`,
 * IPv6 in RFC 5952 form.
 */
export function canonicalCidr(raw: string): string | null {
  const slash = raw.indexOf("/");
  if (slash <= 0) return null;
  const prefixText = raw.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  const address = raw.slice(0, slash);
  const v4 = canonicalIpv4(address);
  if (v4 !== null) {
    if (prefix > 32) return null;
    return `${ipaddr.IPv4.networkAddressFromCIDR(`${v4}/${prefix}`).toString()}/${prefix}`;
  }
  const v6 = canonicalIpv6(address);
  if (v6 === null || prefix > 128) return null;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${v6}/${prefix}`).toRFC5952String()}/${prefix}`;
}

/**
 * The closed set of address classes:
 * - `public`: globally routable unicast.
 * - `private`: RFC 1918 and IPv6 unique-local fc00::/7.
 * - `loopback`, `link-local`, `multicast`, `unspecified` (0.0.0.0, ::), `carrier-grade-nat` (100.64/10).
 * - `documentation`: 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
 * - `reserved`: IETF special-purpose blocks (240/4, 255.255.255.255, 192.0.0/24, 198.18/15 benchmarking,
 *   100::/64 discard, 2001::/23 except documentation...).
 * - `bogon`: 0.0.0.0/8 (this network) and IPv6 outside the allocated global unicast 2000::/3.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is classified as its IPv4 address.
 */
export type IpClass =
  | "public"
  | "private"
  | "loopback"
  | "link-local"
  | "multicast"
  | "documentation"
  | "reserved"
  | "bogon"
  | "unspecified"
  | "carrier-grade-nat";

type Ranges = ReadonlyArray<readonly [string, number, IpClass]>;

const ipv4Ranges: Ranges = [
  ["0.0.0.0", 32, "unspecified"],
  ["0.0.0.0", 8, "bogon"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade-nat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const ipv6Ranges: Ranges = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["100::", 64, "reserved"],
  ["2001:db8::", 32, "documentation"],
  ["3fff::", 20, "documentation"],
  ["2001::", 23, "reserved"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["ff00::", 8, "multicast"],
];

function compile<T extends ipaddr.IPv4 | ipaddr.IPv6>(
  ranges: Ranges,
  parseAddress: (text: string) => T,
): Array<{ network: T; prefix: number; kind: IpClass }> {
  return ranges.map(([text, prefix, kind]) => ({ network: parseAddress(text), prefix, kind }));
}

const compiledV4 = compile(ipv4Ranges, (text) => ipaddr.IPv4.parse(text));
const compiledV6 = compile(ipv6Ranges, (text) => ipaddr.IPv6.parse(text));
const globalUnicast = ipaddr.IPv6.parse("2000::");

function classifyV4(address: ipaddr.IPv4): IpClass {
  if (address.toString() === "255.255.255.255") return "reserved";
  for (const range of compiledV4) if (address.match(range.network, range.prefix)) return range.kind;
  return "public";
}

/**
 * Classifies an IPv4 or IPv6 address (canonical or not; refang first) into the closed set {@link IpClass}.
 * Throws AppError VALIDATION_FAILED for input that is not an IP address.
 *
 * @example classifyIp("192.0.2.7") // "documentation"
 */
export function classifyIp(ip: string): IpClass {
  const v4 = canonicalIpv4(ip);
  if (v4 !== null) return classifyV4(ipaddr.IPv4.parse(v4));
  const v6 = canonicalIpv6(ip);
  if (v6 === null) throw new AppError("VALIDATION_FAILED", `not an IP address: ${ip.slice(0, 80)}`);
  const address = ipaddr.IPv6.parse(v6);
  if (address.isIPv4MappedAddress()) return classifyV4(address.toIPv4Address());
  for (const range of compiledV6) if (address.match(range.network, range.prefix)) return range.kind;
  return address.match(globalUnicast, 3) ? "public" : "bogon";
}
