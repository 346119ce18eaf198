import { describe, expect, it } from "vitest";
import { canonicalize, detectIndicator, hashTypeByLength } from "./canonicalize.ts";
import type { IndicatorType } from "./types.ts";

function value(type: IndicatorType, raw: string): string | null {
  const result = canonicalize(type, raw);
  return result.ok ? result.value : null;
}

describe("canonicalize", () => {
  it.each([
    ["ipv4", "010.001.002.003", "10.1.2.3"],
    ["ipv4", "1.2.3[.]4", "1.2.3.4"],
    ["ipv6", "FDC4:2581:575B:5A72:0000:0000:0000:0001", "fdc4:2581:575b:5a72::1"],
    ["ipv6", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["ipv6", "::ffff:192.0.2.128", "::ffff:192.0.2.128"],
    ["ipv6", "[2001:db8::1]", "2001:db8::1"],
    ["cidr", "10.1.2.3/8", "10.0.0.0/8"],
    ["cidr", "2001:DB8::1/32", "2001:db8::/32"],
    ["domain", "Evil[.]COM.", "evil.com"],
    ["domain", "はじめよう.みんな", "xn--p8j9a0d9c9a.xn--q9jyb4c"],
    ["domain", "xn--p8j9a0d9c9a.xn--q9jyb4c", "xn--p8j9a0d9c9a.xn--q9jyb4c"],
    ["domain", "abcdefghijklmnop.onion", "abcdefghijklmnop.onion"],
    ["url", "HXXPS://Evil.COM:443/Path?Q=A#F", "https://evil.com/Path?Q=A#F"],
    ["url", "http://evil.com:8080", "http://evil.com:8080"],
    ["url", "http://[2001:0db8::0001]:80/x", "http://[2001:db8::1]/x"],
    ["url", "hxxp://user@1.2.3[.]4:21/a", "http://user@1.2.3.4:21/a"],
    ["url", "ftp://files.example.org:21/a", "ftp://files.example.org/a"],
    // A URL is its own value only when canonical as written; each of these differs in one part.
    ["url", "FTP://files.example.org/a", "ftp://files.example.org/a"],
    ["url", "HTTP://evil.com/x", "http://evil.com/x"],
    ["url", "http://Evil.com/X", "http://evil.com/X"],
    ["url", "http://evil.com./x", "http://evil.com/x"],
    ["url", "http://010.1.2.3/x", "http://10.1.2.3/x"],
    ["url", "http://user@evil.com:80/p", "http://user@evil.com/p"],
    ["url", "https://evil.com:8443/x", "https://evil.com:8443/x"],
    ["email", "Bob.Smith[@]Example[.]com", "bob.smith@example.com"],
    ["md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"],
    ["sha1", "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc", "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc"],
    ["cve", "cve-2021-44228", "CVE-2021-44228"],
    ["asn", "ASN15169", "AS15169"],
    ["asn", "as 013335", "AS13335"],
    ["asn", "15169", "AS15169"],
  ] as Array<[IndicatorType, string, string]>)("%s %s -> %s", (type, raw, expected) => {
    expect(value(type, raw)).toBe(expected);
    expect(value(type, expected)).toBe(expected);
  });

  it.each([
    ["ipv4", "256.1.1.1"],
    ["ipv4", "1.2.3"],
    ["ipv4", "1.2.3.4.5"],
    ["ipv6", "12:30:45"],
    ["ipv6", "fe80::1%eth0"],
    ["cidr", "10.0.0.0/33"],
    ["domain", "example.nope"],
    ["domain", "-bad.com"],
    ["domain", "invoice.pdf"],
    ["domain", `${"a".repeat(64)}.com`],
    ["url", "http://localhost/"],
    ["url", "http://evil.com:99999/"],
    ["email", "@evil.com"],
    ["md5", "d41d8cd98f00b204e9800998ecf8427"],
    ["sha256", "d41d8cd98f00b204e9800998ecf8427e"],
    ["cve", "CVE-21-1234"],
    ["asn", "AS99999999999"],
  ] as Array<[IndicatorType, string]>)("rejects %s %s", (type, raw) => {
    const result = canonicalize(type, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(type);
  });
});

describe("detectIndicator", () => {
  it.each([
    ["hxxp://1.2.3[.]4:80/x", "url", "http://1.2.3.4/x"],
    ["bob@evil.com", "email", "bob@evil.com"],
    ["10.0.0.0/8", "cidr", "10.0.0.0/8"],
    ["8.8.8.8", "ipv4", "8.8.8.8"],
    ["2001:db8::1", "ipv6", "2001:db8::1"],
    [
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha256",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ],
    ["CVE-2024-3094", "cve", "CVE-2024-3094"],
    ["AS13335", "asn", "AS13335"],
    ["evil[.]com", "domain", "evil.com"],
  ])("detects %s as %s", (raw, type, expected) => {
    expect(detectIndicator(raw)).toEqual({ ok: true, type, value: expected });
  });

  it("explains why a value is not an indicator", () => {
    expect(detectIndicator("")).toEqual({ ok: false, reason: "empty value" });
    expect(detectIndicator("hello").ok).toBe(false);
    expect(detectIndicator("1.2.3").ok).toBe(false);
  });
});

describe("hashTypeByLength", () => {
  it("maps 32/40/64/128 hex digits to md5/sha1/sha256/sha512 and anything else to null", () => {
    expect(hashTypeByLength("a".repeat(32))).toBe("md5");
    expect(hashTypeByLength("a".repeat(40))).toBe("sha1");
    expect(hashTypeByLength("a".repeat(64))).toBe("sha256");
    expect(hashTypeByLength("a".repeat(128))).toBe("sha512");
    expect(hashTypeByLength("a".repeat(33))).toBeNull();
    expect(hashTypeByLength(`${"a".repeat(31)}g`)).toBeNull();
  });
});
