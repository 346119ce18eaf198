import { describe, expect, it } from "vitest";
import { builtInFeeds, findBuiltInFeed, parseFeedDefinition } from "./catalog.ts";

describe("built-in feed catalog", () => {
  it("covers the feeds of the issue", () => {
    const ids = builtInFeeds.map((feed) => feed.id);
    for (const id of [
      "abusech-urlhaus",
      "abusech-threatfox",
      "abusech-feodo",
      "abusech-malwarebazaar",
      "abusech-sslbl",
      "cisa-kev",
      "spamhaus-drop",
      "spamhaus-asn-drop",
      "otx-subscribed",
      "tor-exit-nodes",
      "openphish-community",
      "blocklist-de-all",
      "et-compromised-ips",
      "firehol-level1",
      "firehol-level2",
      "misp-feed",
      "taxii21-collection",
      "generic-csv",
      "generic-json",
      "generic-text",
    ]) {
      expect(ids, id).toContain(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("carries the real auth rules: abuse.ch Auth-Key, OTX key header, none for public lists", () => {
    for (const feed of builtInFeeds.filter((candidate) => candidate.provider === "abuse.ch")) {
      expect(feed.auth.kind === "header" || feed.auth.kind === "query", feed.id).toBe(true);
    }
    expect(findBuiltInFeed("abusech-threatfox")?.auth).toEqual({
      kind: "header",
      header: "Auth-Key",
      secret: "abusech_auth_key",
    });
    expect(findBuiltInFeed("otx-subscribed")?.auth).toMatchObject({ header: "X-OTX-API-KEY" });
    expect(findBuiltInFeed("cisa-kev")?.auth).toEqual({ kind: "none" });
  });

  it("respects the sources' own fetch limits", () => {
    expect(findBuiltInFeed("abusech-urlhaus")?.cadenceSeconds).toBe(300);
    expect(findBuiltInFeed("spamhaus-drop")?.cadenceSeconds).toBeGreaterThanOrEqual(3600);
    expect(findBuiltInFeed("spamhaus-drop")?.licence.attributionRequired).toBe(true);
  });
});

describe("feed definition schema (tenant-private feeds)", () => {
  const privateCsv = {
    id: "acme-partner-iocs",
    name: "Partner IOCs",
    provider: "ACME partner",
    urls: ["https://partner.example.com/iocs.csv"],
    format: "csv",
    parser: { csv: { value: "indicator", typeField: "type", firstSeen: "detected_date" } },
    cadenceSeconds: 3600,
    auth: { kind: "bearer", secret: "partner_token" },
    licence: { name: "Partner NDA", attributionRequired: false, commercialUse: "restricted" },
    reliability: "B",
    tlp: "amber",
    indicatorTypes: ["domain", "ipv4"],
  };

  it("accepts a well-formed private CSV feed and fills defaults", () => {
    const result = parseFeedDefinition(privateCsv);
    expect(result.success).toBe(true);
    expect(result.data?.parser.csv?.delimiter).toBe(",");
    expect(result.data?.incremental).toEqual({ kind: "snapshot" });
  });

  it("rejects a CSV feed without a mapping, a non-http URL, a too-fast cadence and an unknown type", () => {
    const paths = (input: unknown) =>
      parseFeedDefinition(input).error?.issues.map((issue) => issue.path.join(".")) ?? [];
    expect(paths({ ...privateCsv, parser: {} })).toContain("parser.csv");
    expect(paths({ ...privateCsv, urls: ["file:///etc/passwd"] })).toContain("urls.0");
    expect(paths({ ...privateCsv, cadenceSeconds: 5 })).toContain("cadenceSeconds");
    expect(paths({ ...privateCsv, indicatorTypes: ["bitcoin"] })).toContain("indicatorTypes.0");
  });

  it("refuses URLs that point inside (SSRF) and private feeds posing as templates", () => {
    const problem = (url: string) =>
      parseFeedDefinition({ ...privateCsv, urls: [url] }).error?.issues[0]?.message;
    expect(problem("http://169.254.169.254/latest/meta-data/")).toMatch(/link-local/);
    expect(problem("http://10.0.0.5/feed.txt")).toMatch(/private/);
    expect(problem("http://[::1]/feed.txt")).toMatch(/loopback/);
    expect(problem("http://localhost:8080/x")).toMatch(/internal/);
    expect(problem("https://user:pw@partner.example.com/x")).toMatch(/credentials/);
    expect(problem("https://partner.example.com/iocs.csv")).toBeUndefined();
    expect(
      parseFeedDefinition({ ...privateCsv, urls: ["{url}"], template: true }).error?.issues[0]?.path,
    ).toEqual(["template"]);
  });
});
