import { AppError } from "@threatfusion/core";
import { describe, expect, it } from "vitest";
import { isValidDomain, registrableDomain } from "./domain.ts";
import { classifyIp } from "./ip.ts";

describe("classifyIp", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.1.1", "carrier-grade-nat"],
    ["127.0.0.1", "loopback"],
    ["169.254.1.1", "link-local"],
    ["224.0.0.1", "multicast"],
    ["192.0.2.7", "documentation"],
    ["198.51.100.1", "documentation"],
    ["203.0.113.9", "documentation"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "bogon"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["198.18.0.1", "reserved"],
    ["2606:4700:4700::1111", "public"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fd00::1", "private"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["::ffff:10.0.0.1", "private"],
    ["4000::1", "bogon"],
  ])("%s is %s", (ip, expected) => {
    expect(classifyIp(ip)).toBe(expected);
  });

  it("throws VALIDATION_FAILED for a non-IP", () => {
    expect(() => classifyIp("evil.com")).toThrowError(AppError);
  });
});

describe("domains", () => {
  it("validates against the real TLD list", () => {
    expect(isValidDomain("example.com")).toBe(true);
    expect(isValidDomain("EXAMPLE.com.")).toBe(true);
    expect(isValidDomain("example.xn--zfr164b")).toBe(true);
    expect(isValidDomain("example.nope")).toBe(false);
    expect(isValidDomain("System.IO.File")).toBe(false);
    expect(isValidDomain(".com")).toBe(false);
  });

  it("accepts ccTLDs whose PSL entry has only second-level rules or single-letter suffixes", () => {
    // Regression: .za lists only co.za, web.za...; .se and .bg list x.se, a.bg, 0.bg as suffixes.
    for (const domain of ["opensea.co.za", "portal.web.za", "curl.haxx.se", "jujubaby.bg", "foo.bar.ck"]) {
      expect(isValidDomain(domain), domain).toBe(true);
    }
    expect(isValidDomain("x.za")).toBe(false);
    expect(registrableDomain("shop.opensea.co.za")).toBe("opensea.co.za");
  });

  it("gives the registrable domain (eTLD+1), private suffixes included", () => {
    expect(registrableDomain("www.example.co.uk")).toBe("example.co.uk");
    expect(registrableDomain("a.b.evil.duckdns.org")).toBe("evil.duckdns.org");
    expect(registrableDomain("WWW.Example.COM")).toBe("example.com");
    expect(registrableDomain("co.uk")).toBeNull();
    expect(registrableDomain("not a domain")).toBeNull();
  });
});

describe("purity", () => {
  it("uses no Node built-ins outside tests, so it runs in workerd and the browser", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const sources = readdirSync(import.meta.dirname).filter(
      (name) => name.endsWith(".ts") && !name.endsWith(".test.ts"),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const name of sources) {
      const source = readFileSync(`${import.meta.dirname}/${name}`, "utf8");
      expect(source, name).not.toMatch(/from "node:|require\(|process\.|Buffer\./);
    }
  });
});
