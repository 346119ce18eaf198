import { describe, expect, it } from "vitest";
import type { ChunkIndicator } from "./messages.ts";
import { type FeedFacts, toGlobalRows } from "./rows.ts";

const facts: FeedFacts = {
  feedId: "fed_1",
  sourceId: "src_1",
  sourceName: "Bench feed",
  tenantId: null,
  reliability: "C",
  tlp: "clear",
};
const observedAt = "2026-11-26T10:00:00.000Z";

describe("toGlobalRows", () => {
  it("splits a row's context into family, threat type, reference and the rest; rows without one stay empty", () => {
    const indicators: ChunkIndicator[] = [
      { type: "domain", value: "a.example", tags: [], context: {} },
      {
        type: "domain",
        value: "b.example",
        tags: ["phish"],
        context: {
          malwareFamily: "lumma",
          threatType: "c2",
          reference: "https://x/1",
          tlp: "green",
          port: 443,
        },
      },
      { type: "ipv4", value: "203.0.113.7", tags: [], context: { malwareFamily: "emotet" } },
      { type: "ipv4", value: "203.0.113.8", tags: [], context: {} },
    ];
    const rows = toGlobalRows(indicators, facts, observedAt);
    expect(
      rows.observations.map((row) => [row.malwareFamily, row.threatType, row.reference, row.context]),
    ).toEqual([
      [null, null, null, {}],
      ["lumma", "c2", "https://x/1", { port: 443 }],
      ["emotet", null, null, {}],
      [null, null, null, {}],
    ]);
    expect(rows.indicators.map((row) => row.searchTerms)).toEqual([
      ["Bench feed"],
      ["Bench feed", "lumma", "c2"],
      ["Bench feed", "emotet"],
      ["Bench feed"],
    ]);
    expect(rows.indicators[1]?.tlp).toBe("green");
    // The caller's message is left as it came.
    expect(indicators[1]?.context).toEqual({
      malwareFamily: "lumma",
      threatType: "c2",
      reference: "https://x/1",
      tlp: "green",
      port: 443,
    });
  });

  it("gives rows without a family or threat type one shared list of terms, never one a merge could change", () => {
    const rows = toGlobalRows(
      [
        { type: "domain", value: "c.example", tags: [], context: {} },
        { type: "domain", value: "d.example", tags: [], context: {} },
      ],
      facts,
      observedAt,
    );
    expect(rows.indicators[0]?.searchTerms).toBe(rows.indicators[1]?.searchTerms);
    expect(Object.isFrozen(rows.observations[0]?.context)).toBe(true);
  });
  it("gives each row the base score of its own type, confidence and family, whatever the rows before it", () => {
    const shapes: Omit<ChunkIndicator, "value">[] = [
      { type: "ipv4", tags: [], context: {} },
      { type: "domain", tags: [], context: {} },
      { type: "ipv4", tags: [], context: {}, confidence: 90 },
      { type: "domain", tags: [], context: { malwareFamily: "lumma" } },
      { type: "ipv4", tags: [], context: {}, confidence: 0 },
      { type: "domain", tags: [], context: {}, confidence: 90 },
      { type: "sha256", tags: [], context: { malwareFamily: "emotet" }, confidence: 10 },
    ];
    const indicators = Array.from({ length: 60 }, (_, index) => ({
      ...shapes[(index * 5) % shapes.length],
      value: `v${index}`,
    })) as ChunkIndicator[];
    const together = toGlobalRows(indicators, facts, observedAt).indicators.map((row) => row.baseScore);
    const alone = indicators.map(
      (indicator) => toGlobalRows([indicator], facts, observedAt).indicators[0]?.baseScore,
    );
    expect(together).toEqual(alone);
    expect(new Set(together).size).toBeGreaterThan(2);
  });
});
