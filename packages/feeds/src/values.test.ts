import { describe, expect, it } from "vitest";
import { canonicalValue, cleanCell, splitTags, toConfidence, toIsoDate } from "./values.ts";

describe("toIsoDate", () => {
  it.each([
    ["2021-01-17 07:30:05", "2021-01-17T07:30:05.000Z"],
    ["2026-08-22 09:59:01 UTC", "2026-08-22T09:59:01.000Z"],
    ["2025-08-25", "2025-08-25T00:00:00.000Z"],
    ["2015-09-02T09:21:53.093000", "2015-09-02T09:21:53.093Z"],
    ["2025-09-11T00:00:00+02:00", "2025-09-10T22:00:00.000Z"],
    ["1757548800", "2025-09-11T00:00:00.000Z"],
    [1757548800000, "2025-09-11T00:00:00.000Z"],
  ])("%s -> %s", (raw, iso) => {
    expect(toIsoDate(raw)).toBe(iso);
  });

  it("gives undefined for what is not a date", () => {
    expect(toIsoDate("")).toBeUndefined();
    expect(toIsoDate("yesterday-ish")).toBeUndefined();
    expect(toIsoDate(null)).toBeUndefined();
  });
});

describe("cell helpers", () => {
  it("cleans stray quotes and splits tags, dropping placeholders", () => {
    expect(cleanCell(' "abc" ')).toBe("abc");
    expect(splitTags("#phishing #scam None")).toEqual(["phishing", "scam"]);
    expect(splitTags("c2,CobaltStrike", ",")).toEqual(["c2", "CobaltStrike"]);
    expect(toConfidence("150")).toBe(100);
    expect(toConfidence("n/a")).toBeUndefined();
  });

  it("splits ip:port, including bracketed IPv6", () => {
    expect(canonicalValue("ip:port", "192.0.2.1:443")).toEqual({
      ok: true,
      type: "ipv4",
      value: "192.0.2.1",
      port: 443,
    });
    expect(canonicalValue("ip:port", "[2001:db8::1]:8080")).toMatchObject({
      ok: true,
      type: "ipv6",
      port: 8080,
    });
    expect(canonicalValue("ip:port", "192.0.2.1")).toMatchObject({ ok: true, type: "ipv4" });
  });

  it("accepts scheme-less URLs as http", () => {
    expect(canonicalValue("url", "example.com/login.php")).toMatchObject({ ok: true, type: "url" });
  });
});
