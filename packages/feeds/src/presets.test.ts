import { describe, expect, it } from "vitest";
import { parseFixture, parseText } from "../test/support.ts";

// abuse.ch samples are written by us in the exact export layouts (documentation-range IPs, example domains):
// the only public copies of the raw exports are AGPL intelmq test files. See fixtures/SOURCES.md.
describe("URLhaus CSV (csv_recent)", () => {
  it("reads the `# id,dateadded,url,…` header comment and the fully quoted rows", async () => {
    const result = await parseFixture("urlhaus", "written/urlhaus_recent.csv");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual([
      "http://192.0.2.15:48112/i",
      "https://malware.example.com/payload/update.exe",
      "http://198.51.100.77/bins/x86",
      "http://dl.example.net/a.zip?x=1,2",
    ]);
    expect(result.indicators[0]).toMatchObject({
      type: "url",
      firstSeen: "2026-08-22T10:01:12.000Z",
      tags: ["32-bit", "elf", "mips", "Mozi"],
      context: {
        threatType: "malware_download",
        status: "online",
        sourceId: "3591001",
        reporter: "geenensp",
      },
    });
    expect(result.indicators[2]?.tags).toEqual([]);
    expect(result.rejected).toEqual([expect.objectContaining({ line: 13, reason: "not a valid url" })]);
  });
});

describe("ThreatFox", () => {
  it('CSV export: `", "` separators, ip:port split into ip + port, unknown hash type skipped', async () => {
    const result = await parseFixture("threatfox", "written/threatfox_recent.csv");
    expect(result.indicators.map((indicator) => `${indicator.type}:${indicator.value}`)).toEqual([
      "ipv4:192.0.2.44",
      "domain:c2.example.com",
      "url:https://panel.example.net/gate.php",
      "md5:d41d8cd98f00b204e9800998ecf8427e",
    ]);
    expect(result.indicators[0]).toMatchObject({
      confidence: 100,
      tags: ["c2", "CobaltStrike"],
      context: { port: 8443, malwareFamily: "Cobalt Strike", threatType: "botnet_cc", sourceId: "1580001" },
    });
    expect(result.skipped).toHaveLength(1);
    expect(result.rejected.map((row) => row.line)).toEqual([15]);
    expect(result.stats).toMatchObject({ indicators: 4, rejected: 1, skipped: 1 });
  });

  it("API answer `{ query_status, data: [...] }` keeps tags arrays and the port", async () => {
    const result = await parseFixture("threatfox-api", "written/threatfox_api.json");
    expect(result.meta.query_status).toBe("ok");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(["192.0.2.44", "c2.example.com"]);
    expect(result.indicators[0]?.context.port).toBe(8443);
    expect(result.indicators[1]).toMatchObject({
      lastSeen: "2026-08-22T09:45:00.000Z",
      confidence: 75,
      tags: [],
    });
  });

  it('JSON export `{ "<id>": [ … ] }` is read through the `*` path', async () => {
    const result = await parseFixture("threatfox-json", "written/threatfox_export.json");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(["192.0.2.44", "c2.example.com"]);
    expect(result.indicators[1]?.tags).toEqual(["AsyncRAT", "RAT"]);
  });
});

describe("Feodo Tracker", () => {
  it("ipblocklist.csv with a plain header row and a `# END` trailer", async () => {
    const result = await parseFixture("feodo", "written/feodo_ipblocklist.csv");
    expect(result.indicators).toEqual([
      expect.objectContaining({
        type: "ipv4",
        value: "192.0.2.10",
        context: { port: 443, status: "online", malwareFamily: "QakBot" },
      }),
      expect.objectContaining({ type: "ipv4", value: "198.51.100.23", lastSeen: "2026-08-01T00:00:00.000Z" }),
    ]);
    expect(result.rejected).toEqual([]);
  });

  it("ipblocklist.json", async () => {
    const result = await parseFixture("feodo-json", "written/feodo_ipblocklist.json");
    expect(result.indicators[1]).toMatchObject({
      value: "198.51.100.23",
      tags: ["botnet-c2"],
      context: { port: 8080, malwareFamily: "Emotet", extra: { hostname: "c2.example.net", country: "US" } },
    });
  });
});

describe("SSLBL and MalwareBazaar", () => {
  it("SSLBL certificate SHA1s are tagged as certificates", async () => {
    const result = await parseFixture("sslbl", "written/sslblacklist.csv");
    expect(result.indicators.map((indicator) => indicator.type)).toEqual(["sha1", "sha1"]);
    expect(result.indicators[0]).toMatchObject({
      tags: ["x509-certificate", "botnet-c2"],
      context: { description: "AsyncRAT C&C" },
    });
  });

  it("MalwareBazaar rows give sha256, md5 and sha1 of the same sample", async () => {
    const result = await parseFixture("malwarebazaar", "written/malwarebazaar_recent.csv");
    expect(result.indicators.map((indicator) => indicator.type)).toEqual(["sha256", "md5", "sha1"]);
    expect(result.indicators[0]?.context).toMatchObject({
      filename: "invoice, august.exe",
      malwareFamily: "AgentTesla",
    });
  });
});

describe("abuse.ch API errors", () => {
  it("a ThreatFox `unknown_auth_key` answer fails the run as an auth problem", async () => {
    await expect(parseText("threatfox-api", '{"query_status": "unknown_auth_key"}')).rejects.toMatchObject({
      code: "UPSTREAM_FAILED",
      details: { reason: "auth" },
    });
    const empty = await parseText(
      "threatfox-api",
      '{"query_status": "no_result", "data": "Your search did not yield any results"}',
    );
    expect(empty.indicators).toEqual([]);
    expect(empty.rejected).toEqual([]);
  });
});
