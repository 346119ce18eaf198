import { describe, expect, it } from "vitest";
import { ecsConfidence, ecsDocument, ecsNdjsonStream } from "./ecs.ts";
import { streamToText } from "./stream.ts";
import { makeRecord, sampleRecords } from "./test-records.ts";

const options = { provider: "Acme MSSP" };

describe("ecsDocument", () => {
  it("fills threat.indicator.* with the ECS type and the type's own field", () => {
    const ip = ecsDocument(makeRecord("ipv4", "192.0.2.1", { confidence: 85, tlp: "amber+strict" }), options);
    expect(ip).toMatchObject({
      event: { kind: "enrichment", category: ["threat"], type: ["indicator"] },
      threat: {
        indicator: {
          type: "ipv4-addr",
          ip: "192.0.2.1",
          confidence: "High",
          marking: { tlp: "AMBER+STRICT" },
          provider: "Acme MSSP",
          first_seen: "2025-03-01T10:00:00.000Z",
          last_seen: "2025-03-05T12:30:00.000Z",
        },
      },
    });
    expect(ecsDocument(makeRecord("sha256", "ab"), options)).toMatchObject({
      threat: { indicator: { type: "file", file: { hash: { sha256: "ab" } } } },
    });
    expect(ecsDocument(makeRecord("domain", "x.example"), options)).toMatchObject({
      threat: { indicator: { type: "domain-name", url: { domain: "x.example" } } },
    });
    expect(ecsDocument(makeRecord("asn", "AS64500"), options)).toMatchObject({
      threat: { indicator: { type: "autonomous-system", as: { number: 64500 } } },
    });
  });

  it("keeps a CIDR out of the ip field, which Elasticsearch would reject", () => {
    const doc = ecsDocument(makeRecord("cidr", "10.0.0.0/8"), options);
    expect(doc).toMatchObject({ threat: { indicator: { type: "ipv4-addr", description: "10.0.0.0/8" } } });
    expect(JSON.stringify(doc)).not.toContain('"ip":');
  });

  it("puts a CVE in vulnerability.id", () => {
    expect(ecsDocument(makeRecord("cve", "cve-2024-3400"), options)).toMatchObject({
      vulnerability: { id: "CVE-2024-3400" },
    });
  });

  it("maps numeric confidence to ECS words", () => {
    expect([0, 10, 40, 69, 70, 100].map(ecsConfidence)).toEqual([
      "None",
      "Low",
      "Medium",
      "Medium",
      "High",
      "High",
    ]);
  });
});

describe("ecsNdjsonStream", () => {
  it("writes one parseable JSON document per line", async () => {
    const text = await streamToText(ecsNdjsonStream(sampleRecords(), options));
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(sampleRecords().length);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
