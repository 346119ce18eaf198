import { describe, expect, it } from "vitest";
import { computeConfidence, type Observation } from "./confidence.ts";
import { defaultScoringModel as model } from "./model.ts";

const t = Date.UTC(2026, 10, 1);

function observation(
  sourceId: string,
  reliability: Observation["reliability"],
  extra: Partial<Observation> = {},
): Observation {
  return { sourceId, reliability, firstSeen: t, lastSeen: t, ...extra };
}

describe("computeConfidence", () => {
  it("is 0 without observations", () => {
    expect(computeConfidence([], model)).toEqual({ confidence: 0, independentSources: 0, sources: [] });
  });

  it("takes a single source's reliability times its stated confidence", () => {
    expect(computeConfidence([observation("feodo", "B", { sourceConfidence: 100 })], model).confidence).toBe(
      80,
    );
    expect(computeConfidence([observation("feodo", "B", { sourceConfidence: 50 })], model).confidence).toBe(
      40,
    );
  });

  it("assumes the default source confidence when a source states none", () => {
    // B (0.8) × default 75 % = 60
    expect(computeConfidence([observation("feodo", "B")], model).confidence).toBe(60);
  });

  it("ranks reliability A above F above E", () => {
    const of = (level: Observation["reliability"]) =>
      computeConfidence([observation("s", level)], model).confidence;
    expect(of("A")).toBeGreaterThan(of("B"));
    expect(of("C")).toBeGreaterThan(of("F"));
    expect(of("F")).toBeGreaterThan(of("E"));
  });

  it("counts the same source once, at its strongest report", () => {
    const once = computeConfidence([observation("urlhaus", "B", { sourceConfidence: 90 })], model);
    const repeated = computeConfidence(
      [
        observation("urlhaus", "B", { sourceConfidence: 90 }),
        observation("urlhaus", "B", { sourceConfidence: 40 }),
        observation("urlhaus", "B", { sourceConfidence: 90, lastSeen: t + 1000 }),
      ],
      model,
    );
    expect(repeated.confidence).toBe(once.confidence);
    expect(repeated.independentSources).toBe(1);
  });

  it("counts republishers of one origin once through their independence group", () => {
    const grouped = computeConfidence(
      [
        observation("abusech", "B", { independenceGroup: "abuse.ch" }),
        observation("aggregator", "C", { independenceGroup: "abuse.ch" }),
      ],
      model,
    );
    expect(grouped.independentSources).toBe(1);
    expect(grouped.confidence).toBe(60);
  });

  it("rises with corroboration by independent sources but stays within 100", () => {
    const one = computeConfidence([observation("a", "B")], model).confidence;
    const three = computeConfidence(
      [observation("a", "B"), observation("b", "C"), observation("c", "D")],
      model,
    );
    expect(three.confidence).toBeGreaterThan(one);
    expect(three.independentSources).toBe(3);
    const many = computeConfidence(
      Array.from({ length: 50 }, (_, i) => observation(`s${i}`, "A", { sourceConfidence: 100 })),
      model,
    );
    expect(many.confidence).toBe(100);
  });

  it("applies the MSSP's reliability override for a source", () => {
    const edited = { ...model, sourceReliability: { feodo: "A" as const } };
    const result = computeConfidence([observation("feodo", "D", { sourceConfidence: 100 })], edited);
    expect(result.confidence).toBe(95);
    expect(result.sources[0]?.reliability).toBe("A");
  });
});
