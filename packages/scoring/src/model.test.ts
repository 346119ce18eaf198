import { describe, expect, it } from "vitest";
import { defaultScoringModel, validateScoringModel } from "./model.ts";

describe("validateScoringModel", () => {
  it("accepts the defaults as they are", () => {
    const result = validateScoringModel({});
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.model).toEqual(defaultScoringModel);
  });

  it("merges a partial MSSP edit over the defaults without touching the rest", () => {
    const result = validateScoringModel({
      types: { ipv4: { lifetimeDays: 14 } },
      sourceReliability: { feodo: "A" },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model.types.ipv4).toEqual({ ...defaultScoringModel.types.ipv4, lifetimeDays: 14 });
    expect(result.model.types.domain).toEqual(defaultScoringModel.types.domain);
    expect(result.model.sourceReliability).toEqual({ feodo: "A" });
    expect(defaultScoringModel.types.ipv4.lifetimeDays).toBe(30);
  });

  it("returns every out-of-range value with its path instead of throwing", () => {
    const result = validateScoringModel({
      types: { ipv4: { lifetimeDays: 0, weight: 1.5 } },
      expiryThreshold: 120,
      reliabilityWeights: { A: "high" },
      sourceReliability: { feodo: "Z" },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path).sort()).toEqual([
      "expiryThreshold",
      "reliabilityWeights.A",
      "sourceReliability.feodo",
      "types.ipv4.lifetimeDays",
      "types.ipv4.weight",
    ]);
  });

  it("rejects reaction points that do not descend and reliabilities that rise from A to E", () => {
    const result = validateScoringModel({
      reactionPoints: [50, 60],
      reliabilityWeights: { C: 0.9 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path)).toEqual(
      expect.arrayContaining(["reactionPoints.1", "reliabilityWeights.C"]),
    );
  });

  it("rejects unknown settings and non-object input", () => {
    expect(validateScoringModel(null)).toEqual({
      ok: false,
      errors: [{ path: "$", message: "must be an object" }],
    });
    const result = validateScoringModel({ typo: 1, types: { ipv7: {} } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.path)).toEqual(
      expect.arrayContaining(["$.typo", "types.ipv7"]),
    );
  });

  it("keeps the k-anonymity floor at two tenants or more", () => {
    const result = validateScoringModel({ feedback: { globalMinTenants: 1 } });
    expect(result.ok).toBe(false);
  });
});
