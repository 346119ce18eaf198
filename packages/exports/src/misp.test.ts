import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type MispEventHeader,
  mispEventStream,
  mispHashesLine,
  mispManifest,
  mispValueHash,
} from "./misp.ts";
import { streamToText } from "./stream.ts";
import { makeRecord, sampleRecords } from "./test-records.ts";

const fixtures = join(import.meta.dirname, "../fixtures/misp");
const realEventUuid = "07124362-c14b-5868-b516-e5d8dd938050";
const realEvent = JSON.parse(readFileSync(join(fixtures, `${realEventUuid}.json`), "utf8")).Event;
const realManifest = JSON.parse(
  readFileSync(join(fixtures, `tweetfeed-manifest-${realEventUuid}.json`), "utf8"),
);
const realHashes = readFileSync(join(fixtures, `tweetfeed-hashes-${realEventUuid}.csv`), "utf8");

const header: MispEventHeader = {
  uuid: "5a3e4f7c-1b2d-4c3e-8f9a-0b1c2d3e4f5a",
  info: "Acme MSSP indicators 2025-03-05",
  date: "2025-03-05",
  timestamp: 1741177800,
  threatLevelId: 2,
  analysis: 2,
  distribution: 3,
  orgc: { name: "Acme MSSP", uuid: "0f6f3a9e-3c1d-5b7a-9e2f-4d5c6b7a8e9f" },
  tags: [{ name: "tlp:amber", colour: "#ffc000" }],
  published: true,
};

describe("mispEventStream", () => {
  it("writes an event with the same shape as a real MISP feed event", async () => {
    const event = JSON.parse(await streamToText(mispEventStream(sampleRecords(), header))).Event;
    for (const key of [
      "uuid",
      "info",
      "date",
      "timestamp",
      "threat_level_id",
      "analysis",
      "distribution",
      "Orgc",
      "Tag",
    ]) {
      expect(event).toHaveProperty(key);
      expect(typeof event[key]).toBe(typeof realEvent[key]);
    }
    const realAttribute = realEvent.Attribute[0];
    for (const attribute of event.Attribute) {
      for (const key of ["uuid", "type", "category", "to_ids", "value", "timestamp", "comment", "Tag"]) {
        expect(attribute).toHaveProperty(key);
        expect(typeof attribute[key]).toBe(typeof realAttribute[key]);
      }
    }
  });

  it("maps our types to MISP attribute types", async () => {
    const event = JSON.parse(await streamToText(mispEventStream(sampleRecords(), header))).Event;
    const byValue = new Map(event.Attribute.map((a: { value: string; type: string }) => [a.value, a.type]));
    expect(byValue.get("198.51.100.3")).toBe("ip-dst");
    expect(byValue.get("2001:db8::1")).toBe("ip-dst");
    expect(byValue.get("10.0.0.0/8")).toBe("ip-dst");
    expect(byValue.get("example.com")).toBe("domain");
    expect(byValue.get("phisher@example.org")).toBe("email-src");
    expect(byValue.get("d41d8cd98f00b204e9800998ecf8427e")).toBe("md5");
    expect(byValue.get("CVE-2024-3400")).toBe("vulnerability");
    expect(byValue.get("64500")).toBe("AS");
  });

  it("keeps attribute uuids stable across republishing and leaves out suppressed indicators", async () => {
    const records = [
      makeRecord("domain", "a.example"),
      makeRecord("domain", "fp.example", { suppressedReason: "false_positive" }),
    ];
    const first = JSON.parse(await streamToText(mispEventStream(records, header))).Event;
    const second = JSON.parse(await streamToText(mispEventStream(records, header))).Event;
    expect(first.Attribute).toHaveLength(1);
    expect(first.Attribute[0].uuid).toBe(second.Attribute[0].uuid);
    const all = JSON.parse(
      await streamToText(mispEventStream(records, header, { includeSuppressed: true })),
    ).Event;
    expect(all.Attribute[1]).toMatchObject({
      to_ids: false,
      x_threatfusion_suppressed_reason: "false_positive",
    });
  });
});

describe("MISP feed layout", () => {
  it("builds manifest entries with the keys a real feed manifest has", () => {
    const manifest = JSON.parse(mispManifest([header]));
    const ours = manifest[header.uuid];
    const real = realManifest[realEventUuid];
    expect(Object.keys(ours).sort()).toEqual([...Object.keys(real), "published"].sort());
    expect(ours).toMatchObject({
      threat_level_id: "2",
      analysis: "2",
      distribution: "3",
      timestamp: "1741177800",
    });
  });

  it("reproduces the real feed's hashes.csv lines for the real event's attributes", () => {
    const expected = new Set(realHashes.trimEnd().split("\n"));
    const produced = realEvent.Attribute.map((attribute: { value: string; type: string }) =>
      mispHashesLine(makeRecord("domain", attribute.value), realEventUuid).trimEnd(),
    );
    expect(new Set(produced)).toEqual(expected);
    expect(mispValueHash("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });
});
