import { describe, expect, it } from "vitest";
import { chunked, collect, fixture, parseFixture } from "../test/support.ts";
import { mispEventsChangedSince, mispEventUrl, parseMispManifest } from "./misp.ts";
import { parseFeed } from "./parse-feed.ts";

describe("MISP events", () => {
  it("maps composite types, objects, tags, galaxies and TLP; skips to_ids false", async () => {
    const result = await parseFixture("misp", "written/misp_event_objects_galaxies.json");
    expect(result.indicators.map((indicator) => `${indicator.type}:${indicator.value}`)).toEqual([
      "ipv4:192.0.2.50",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "domain:c2.example.com",
      "ipv4:198.51.100.50",
      "domain:www.example.org",
      "cve:CVE-2024-3400",
      "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ]);
    const [listener, payload] = result.indicators;
    expect(listener?.context).toMatchObject({
      port: 4444,
      tlp: "amber",
      eventId: "5f0d1c2b-0000-4a00-8000-000000000001",
      galaxies: ["Threat Actor: Example Actor"],
      description: "C2 listener",
    });
    expect(payload?.context.filename).toBe("invoice|2026.exe");
    expect(result.indicators[4]?.tags).toContain("kill-chain:Command and Control");
    expect(result.indicators[6]?.context.extra).toMatchObject({ object: "file" });
    expect(result.skipped.map((skip) => skip.reason)).toEqual([
      "MISP filename attribute has to_ids false",
      "MISP url attribute has to_ids false",
      "MISP filename attribute has to_ids false",
    ]);
    expect(result.rejected).toEqual([
      expect.objectContaining({ line: 7, reason: "MISP md5: not a valid md5" }),
    ]);
  });

  it("imports to_ids false attributes when asked", async () => {
    const result = await parseFixture("misp", "written/misp_event_objects_galaxies.json", {
      misp: { includeNonIds: true },
    });
    expect(result.indicators.map((indicator) => indicator.value)).toContain("https://example.net/landing");
  });

  it("Infoblox feed events (CC-BY-4.0): domains, ip-dst, sha256, and a malformed filename|sha256", async () => {
    const result = await parseFixture("misp", "real/68f58844-4aa6-4e1c-8ee5-cfb58eb6665e.json");
    const types = new Set(result.indicators.map((indicator) => indicator.type));
    expect(types).toEqual(new Set(["domain", "ipv4", "sha256"]));
    expect(result.indicators[0]).toMatchObject({
      tags: ["tlp:white", "infoblox"],
      context: { tlp: "white" },
    });
    // The real file has a `filename|sha256` attribute whose value lacks the `|`.
    expect(result.rejected).toEqual([
      expect.objectContaining({ reason: 'MISP filename|sha256 value has no "|" separator' }),
    ]);
    const other = await parseFixture("misp", "real/6c1c6c4f-5cde-474f-bb69-8e5b8b041f81.json");
    expect(other.stats).toMatchObject({ indicators: 17, rejected: 0 });
  });

  it("a truncated event is one rejected row, not a crash", async () => {
    const bytes = await fixture("written/misp_event_objects_galaxies.json");
    const result = await collect(parseFeed("misp", chunked(bytes.subarray(0, 900), 64)));
    expect(result.indicators).toEqual([]);
    expect(result.rejected[0]?.reason).toMatch(/not valid JSON/);
  });

  it("an event larger than maxDocumentChars fails the run as too large", async () => {
    const bytes = await fixture("written/misp_event_objects_galaxies.json");
    await expect(
      collect(parseFeed("misp", chunked(bytes, 256), { maxDocumentChars: 1000 })),
    ).rejects.toMatchObject({
      details: { reason: "too-large" },
    });
  });
});

describe("MISP feed manifest", () => {
  it("lists the Infoblox feed's events oldest first, with headers", async () => {
    const manifest = JSON.parse(
      new TextDecoder().decode(await fixture("real/infoblox-misp-manifest.json")),
    ) as unknown;
    const refs = parseMispManifest(manifest);
    expect(refs).toHaveLength(46);
    expect(
      refs.every((ref, index) => index === 0 || (refs[index - 1]?.timestamp ?? 0) <= ref.timestamp),
    ).toBe(true);
    expect(refs.find((ref) => ref.uuid === "dad88707-beb8-4a14-94e2-5ffecf5a5f85")).toMatchObject({
      info: "c2_beacon_20230414_iocs",
      orgName: "Infoblox",
      tags: ["tlp:white", "infoblox"],
    });
    const last = refs.at(-1);
    expect(mispEventsChangedSince(refs, last?.timestamp ?? 0)).toEqual([]);
  });

  it("ignores keys that are not UUIDs and builds event URLs", () => {
    expect(parseMispManifest({ "../etc/passwd": { timestamp: 1 } })).toEqual([]);
    expect(
      mispEventUrl("https://feeds.example.org/misp/manifest.json", "5f0d1c2b-0000-4a00-8000-000000000001"),
    ).toBe("https://feeds.example.org/misp/5f0d1c2b-0000-4a00-8000-000000000001.json");
    expect(mispEventUrl("https://feeds.example.org/misp", "5f0d1c2b-0000-4a00-8000-000000000001")).toBe(
      "https://feeds.example.org/misp/5f0d1c2b-0000-4a00-8000-000000000001.json",
    );
  });
});
