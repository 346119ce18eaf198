import { describe, expect, it } from "vitest";
import type { Indicator } from "../api/types.ts";
import { perDay } from "./aggregate.ts";

const indicator = (over: Partial<Indicator>): Indicator => ({
  id: "ind_1",
  type: "ipv4",
  value: "192.0.2.1",
  score: 50,
  confidence: null,
  status: "new",
  tlp: "clear",
  tags: [],
  firstSeen: "2026-11-20T10:00:00Z",
  lastSeen: "2026-11-20T10:00:00Z",
  sources: ["feodo"],
  malwareFamily: null,
  threatType: null,
  private: false,
  globalScore: 50,
  sightingsCount: 0,
  lastSightedAt: null,
  ...over,
});

describe("timeline aggregates", () => {
  it("buckets first-seen by UTC day with empty days filled and old ones left out", () => {
    const items = [
      indicator({ firstSeen: "2026-11-24T23:59:00Z" }),
      indicator({ firstSeen: "2026-11-25T00:01:00Z" }),
      indicator({ firstSeen: "2026-01-01T00:00:00Z" }),
    ];
    expect(perDay(items, 3, new Date("2026-11-25T12:00:00Z"))).toEqual([
      { day: "2026-11-23", count: 0 },
      { day: "2026-11-24", count: 1 },
      { day: "2026-11-25", count: 1 },
    ]);
  });
});
