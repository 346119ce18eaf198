import { describe, expect, it } from "vitest";
import { parseFixture } from "../test/support.ts";

describe("Spamhaus DROP JSON (NDJSON)", () => {
  it("drop_v4.json: CIDRs with SBL id and RIR; metadata line as meta; a bad CIDR rejected", async () => {
    const result = await parseFixture("spamhaus-drop-json", "written/spamhaus_drop_v4.json");
    expect(result.indicators).toEqual([
      expect.objectContaining({
        type: "cidr",
        value: "192.0.2.0/24",
        context: { sourceId: "SBL000001", extra: { rir: "arin" } },
      }),
      expect.objectContaining({ type: "cidr", value: "198.51.100.0/24" }),
    ]);
    expect(result.rejected.map((row) => row.line)).toEqual([3]);
    expect(result.meta).toMatchObject({ records: 3, copyright: expect.stringContaining("Spamhaus") });
  });

  it("asndrop.json: ASNs with name and country", async () => {
    const result = await parseFixture("spamhaus-drop-json", "written/spamhaus_asndrop.json");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(["AS64496", "AS64511"]);
    expect(result.indicators[0]?.context.extra).toMatchObject({ asname: "EXAMPLE-AS", cc: "US" });
  });
});
