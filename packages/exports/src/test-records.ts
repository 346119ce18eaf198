import type { IndicatorType } from "@threatfusion/ioc";
import type { ExportIndicator } from "./types.ts";

/** Builds an ExportIndicator with sensible defaults, for tests and benchmarks. */
export function makeRecord(
  type: IndicatorType,
  value: string,
  overrides: Partial<ExportIndicator> = {},
): ExportIndicator {
  return {
    id: `ind_${type}_${value.length}_${value.slice(0, 24)}`,
    type,
    value,
    firstSeen: "2025-03-01T10:00:00.000Z",
    lastSeen: "2025-03-05T12:30:00.000Z",
    addedAt: "2025-03-01T10:05:00.000Z",
    modifiedAt: "2025-03-05T12:30:00.000Z",
    confidence: 80,
    score: 72,
    tlp: "amber",
    tags: ["botnet"],
    context: { malwareFamily: "emotet", threatType: "botnet_cc", reference: "https://feeds.example.org/e/1" },
    sources: ["abuse.ch Feodo Tracker"],
    ...overrides,
  };
}

/** One record of every indicator type, including awkward values (IDN, IPv6, CIDR, quotes in URLs). */
export function sampleRecords(): ExportIndicator[] {
  return [
    makeRecord("ipv4", "198.51.100.3"),
    makeRecord("ipv6", "2001:db8::1", { tlp: "green" }),
    makeRecord("cidr", "10.0.0.0/8", { tlp: "clear" }),
    makeRecord("cidr", "2001:db8::/32"),
    makeRecord("domain", "example.com"),
    makeRecord("domain", "xn--mnchen-3ya.de", { tlp: "amber+strict" }),
    makeRecord("domain", "bücher.example", { tlp: "red" }),
    makeRecord("url", 'http://evil.example/it\'s/a\\path?q="x"&y=1'),
    makeRecord("url", "https://login.example.net:8443/wp-admin/o'reilly.php#frag"),
    makeRecord("email", "phisher@example.org"),
    makeRecord("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    makeRecord("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    makeRecord("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    makeRecord(
      "sha512",
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    makeRecord("cve", "CVE-2024-3400", {
      context: { description: "PAN-OS GlobalProtect command injection" },
    }),
    makeRecord("asn", "AS64500", { status: "expired" }),
  ];
}
