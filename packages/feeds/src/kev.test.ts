import { describe, expect, it } from "vitest";
import { parseFixture } from "../test/support.ts";

describe("CISA KEV (cisagov/kev-data subset, CC0)", () => {
  it("JSON catalog: CVE plus vendor, product, dates and ransomware use; catalog version as meta", async () => {
    const result = await parseFixture("kev", "real/kev-subset.json");
    expect(result.meta).toMatchObject({ catalogVersion: "2025.08.25", count: 1404 });
    expect(result.indicators).toHaveLength(14);
    expect(result.indicators.every((indicator) => indicator.type === "cve")).toBe(true);
    expect(result.indicators[0]).toMatchObject({
      value: "CVE-2025-48384",
      firstSeen: "2025-08-25T00:00:00.000Z",
      tags: ["kev"],
      context: {
        vendor: "Git",
        product: "Git",
        dueDate: "2025-09-15",
        knownRansomwareCampaignUse: "Unknown",
      },
    });
    const ransomware = result.indicators.filter((indicator) => indicator.tags.includes("ransomware"));
    expect(ransomware.length).toBeGreaterThan(0);
    expect(ransomware.every((indicator) => indicator.context.knownRansomwareCampaignUse === "Known")).toBe(
      true,
    );
  });

  it("CSV catalog gives the same CVEs in the same order", async () => {
    const csv = await parseFixture("kev-csv", "real/kev-subset.csv");
    const json = await parseFixture("kev", "real/kev-subset.json");
    expect(csv.indicators.slice(0, 12).map((indicator) => indicator.value)).toEqual(
      json.indicators.slice(0, 12).map((indicator) => indicator.value),
    );
    expect(csv.indicators[0]?.context.vendor).toBe("Git");
  });
});
