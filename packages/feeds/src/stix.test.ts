import { describe, expect, it } from "vitest";
import { parseFixture } from "../test/support.ts";
import { parseStixPattern, stixObjectEvents } from "./stix.ts";

describe("parseStixPattern", () => {
  it("reads the common single-comparison forms", () => {
    const cases: Array<[string, string, string]> = [
      ["[ipv4-addr:value = '198.51.100.1']", "ipv4", "198.51.100.1"],
      ["[ipv4-addr:value = '112.64.0.0/15']", "cidr", "112.64.0.0/15"],
      ["[ipv6-addr:value = '2001:db8::1']", "ipv6", "2001:db8::1"],
      ["[domain-name:value = 'evil.example.com']", "domain", "evil.example.com"],
      ["[url:value = 'http://evil.example.com/a?b=1']", "url", "http://evil.example.com/a?b=1"],
      ["[file:hashes.'SHA-256' = 'abc']", "sha256", "abc"],
      ["[file:hashes.MD5 = 'abc']", "md5", "abc"],
      ["[file:hashes.'SHA-1' = 'abc']", "sha1", "abc"],
      ["[email-addr:value = 'bad@example.com']", "email", "bad@example.com"],
      ["[email-message:from_ref.value = 'bad@example.com']", "email", "bad@example.com"],
      ["[network-traffic:dst_ref.value = '192.0.2.1']", "auto", "192.0.2.1"],
      ["[autonomous-system:number = 64496]", "asn", "64496"],
      ["[domain-name:value='no-spaces.example']", "domain", "no-spaces.example"],
    ];
    for (const [pattern, type, value] of cases) {
      expect(parseStixPattern(pattern).observables, pattern).toEqual([
        expect.objectContaining({ type, value }),
      ]);
    }
  });

  it("splits OR/AND combinations and several observation expressions into observables", () => {
    const { observables } = parseStixPattern(
      "[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1'] OR [file:hashes.'SHA-256' = 'x' AND file:name = 'y.exe']",
    );
    expect(observables.map((observable) => observable.value)).toEqual(["a.example", "192.0.2.1", "x"]);
  });

  it("expands IN lists and unescapes quotes", () => {
    const { observables } = parseStixPattern(
      "[domain-name:value IN ('a.example', 'b.example')] OR [url:value = 'http://x.example/it\\'s']",
    );
    expect(observables.map((observable) => observable.value)).toEqual([
      "a.example",
      "b.example",
      "http://x.example/it's",
    ]);
  });

  it("lists what it cannot import instead of guessing", () => {
    const result = parseStixPattern(
      "[email-message:subject MATCHES '^Invoice' AND ipv4-addr:value != '192.0.2.1' AND file:name = 'a.exe']",
    );
    expect(result.observables).toEqual([]);
    expect(result.unsupported).toHaveLength(3);
  });
});

describe("STIX objects", () => {
  it("keeps valid_from, labels, confidence, created_by_ref and TLP on indicators", async () => {
    const result = await parseFixture("taxii", "written/taxii_envelope.json");
    expect(result.indicators.map((indicator) => `${indicator.type}:${indicator.value}`)).toEqual([
      "ipv4:192.0.2.77",
      "domain:c2.example.com",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "ipv6:2001:db8::77",
    ]);
    expect(result.indicators[0]).toMatchObject({
      firstSeen: "2026-08-22T09:00:00.000Z",
      confidence: 85,
      tags: ["c2", "malicious-activity"],
      context: { tlp: "green", createdByRef: "identity--0f3a1d6e-5b2c-4c1e-9a7b-0000000000ff" },
    });
    expect(result.skipped).toHaveLength(1);
    expect(result.objects.map((object) => object.type)).toEqual(["malware"]);
  });

  it("reports TAXII `more` and `next` for the collector's cursor", async () => {
    const result = await parseFixture("taxii", "written/taxii_envelope.json");
    expect(result.meta).toMatchObject({ more: true, next: expect.stringContaining("indicator--") });
  });

  it("turns a CVE vulnerability SDO into a cve indicator", () => {
    const events = stixObjectEvents(
      {
        type: "vulnerability",
        id: "vulnerability--1",
        name: "x",
        external_references: [{ source_name: "cve", external_id: "CVE-2021-44228" }],
      },
      1,
    );
    expect(events).toEqual([
      expect.objectContaining({
        kind: "indicator",
        indicator: expect.objectContaining({ type: "cve", value: "CVE-2021-44228" }),
      }),
    ]);
  });

  it("skips non-STIX pattern languages", () => {
    const events = stixObjectEvents(
      { type: "indicator", id: "indicator--1", pattern_type: "snort", pattern: "alert tcp any any" },
      3,
    );
    expect(events).toEqual([
      { kind: "skipped", line: 3, reason: 'indicator pattern type "snort" is not imported' },
    ]);
  });

  it("OASIS apt1 bundle (BSD): CIDR and domain patterns, the rest kept as objects", async () => {
    const result = await parseFixture("stix", "real/oasis-apt1.json");
    expect(result.indicators.length).toBe(10);
    expect(
      result.indicators.some(
        (indicator) => indicator.type === "cidr" && indicator.value === "223.166.0.0/15",
      ),
    ).toBe(true);
    expect(result.objects.length).toBeGreaterThan(40);
    expect(result.rejected).toEqual([]);
  });

  it("OASIS single-indicator examples (BSD) each give their observable", async () => {
    const url = await parseFixture("stix", "real/oasis-indicator-for-malicious-url.json");
    expect(url.indicators.map((indicator) => indicator.type)).toEqual(["url"]);
    const hash = await parseFixture("stix", "real/oasis-malware-indicator-for-file-hash.json");
    expect(hash.indicators.map((indicator) => indicator.type)).toEqual(["sha256"]);
    const c2 = await parseFixture("stix", "real/oasis-indicator-for-c2-ip-address.json");
    expect(c2.indicators.map((indicator) => indicator.type)).toEqual(["ipv4"]);
    const email = await parseFixture("stix", "real/oasis-malicious-email-indicator-with-attachment.json");
    expect(email.indicators).toEqual([]);
    expect(email.skipped.length).toBeGreaterThan(0);
  });

  it("TweetFeed STIX 2.1 bundle (CC0) holds the same IOCs as its CSV of the same day", async () => {
    const stix = await parseFixture("stix", "real/tweetfeed_stix21_today_bundle.json");
    const csv = await parseFixture("tweetfeed", "real/tweetfeed_today.csv");
    const key = (indicator: { type: string; value: string }) => `${indicator.type}:${indicator.value}`;
    expect(new Set(stix.indicators.map(key))).toEqual(new Set(csv.indicators.map(key)));
    expect(stix.indicators[0]?.context.tlp).toBe("clear");
  });
});
