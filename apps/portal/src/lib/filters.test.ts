import { describe, expect, it } from "vitest";
import { describeFilters, filtersFromParams, filtersToParams } from "./filters.ts";

describe("search filters in the URL", () => {
  it("reads known keys, trims, clamps scores and ignores unknown or empty keys", () => {
    expect(filtersFromParams({ q: " emotet ", scoreMin: "150", scoreMax: "x", type: "", evil: "1" })).toEqual(
      {
        q: "emotet",
        scoreMin: 100,
      },
    );
  });

  it("round-trips through query parameters", () => {
    const filters = { type: "ipv4", scoreMin: 70, status: "confirmed", tlp: "amber" };
    expect(filtersFromParams(filtersToParams(filters))).toEqual(filters);
  });

  it("describes a search for people", () => {
    expect(describeFilters({})).toBe("all active indicators");
    expect(describeFilters({ q: "emotet", type: "url", scoreMin: 70 })).toBe(
      '"emotet" · type url · score ≥ 70',
    );
  });
});
