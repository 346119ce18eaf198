import { describe, expect, it } from "vitest";
import { parseFixture, parseText } from "../test/support.ts";
import { otxPulseEvents } from "./otx.ts";

describe("OTX pulses", () => {
  it("reads a subscribed-pulses page: mapped types, pulse context, paging cursor", async () => {
    const result = await parseFixture("otx", "written/otx_pulses_subscribed.json");
    expect(result.indicators.map((indicator) => `${indicator.type}:${indicator.value}`)).toEqual([
      "ipv4:192.0.2.200",
      "domain:loader.example.com",
      "url:http://loader.example.com/gate",
      "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
      "cve:CVE-2024-3400",
      "email:phish@example.net",
    ]);
    expect(result.indicators[0]).toMatchObject({
      firstSeen: "2026-08-20T09:00:00.000Z",
      tags: ["loader", "phishing"],
      context: {
        eventId: "66c5f0a1e2b3c4d5e6f70812",
        malwareFamily: "ExampleLoader",
        tlp: "white",
        reference: "https://example.org/blog/example-loader",
        extra: { adversary: "Example Spider", expiration: "2026-09-20T09:00:00.000Z" },
      },
    });
    expect(result.skipped.map((skip) => skip.reason)).toEqual([
      "OTX type Mutex is not imported",
      "OTX indicator is inactive",
    ]);
    expect(result.rejected).toEqual([expect.objectContaining({ reason: "OTX domain: not a valid domain" })]);
    expect(result.meta.next).toContain("page=2");
  });

  it("also reads a bare array of pulses", async () => {
    const result = await parseText(
      "otx",
      JSON.stringify([{ id: "p", name: "n", indicators: [{ indicator: "192.0.2.1", type: "IPv4" }] }]),
    );
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(["192.0.2.1"]);
  });

  it("rejects an item that is not a pulse", () => {
    expect(otxPulseEvents({ name: "x" }, 4)).toEqual([
      expect.objectContaining({
        kind: "rejected",
        row: expect.objectContaining({ line: 4, reason: expect.stringMatching(/not an OTX pulse/) }),
      }),
    ]);
  });
});
