import { describe, expect, it } from "vitest";
import { ageAtFraction, dayMs, decayedScore, decayFraction, nextReactionAt } from "./decay.ts";
import { defaultScoringModel as model } from "./model.ts";

const start = Date.UTC(2026, 0, 1);

describe("decayFraction", () => {
  it("is 1 at the start, 0 at the lifetime and after, and between in between", () => {
    expect(decayFraction(0, 30, 2)).toBe(1);
    expect(decayFraction(-5, 30, 2)).toBe(1);
    expect(decayFraction(30, 30, 2)).toBe(0);
    expect(decayFraction(300, 30, 2)).toBe(0);
    const middle = decayFraction(15, 30, 2);
    expect(middle).toBeGreaterThan(0);
    expect(middle).toBeLessThan(1);
  });

  it("follows 1 - (t/τ)^(1/δ) exactly", () => {
    expect(decayFraction(7.5, 30, 2)).toBeCloseTo(1 - Math.sqrt(0.25), 12);
    expect(decayFraction(15, 30, 1)).toBeCloseTo(0.5, 12);
    expect(decayFraction(15, 30, 0.5)).toBeCloseTo(0.75, 12);
  });

  it("never rises with age", () => {
    for (const speed of [0.3, 0.5, 1, 2, 5]) {
      let previous = 1;
      for (let day = 0; day <= 40; day += 0.5) {
        const value = decayFraction(day, 30, speed);
        expect(value).toBeLessThanOrEqual(previous);
        previous = value;
      }
    }
  });

  it("drops early when faster (δ > 1) and late when slower (δ < 1)", () => {
    expect(decayFraction(3, 30, 3)).toBeLessThan(decayFraction(3, 30, 1));
    expect(decayFraction(3, 30, 0.5)).toBeGreaterThan(decayFraction(3, 30, 1));
  });

  it("is inverted by ageAtFraction", () => {
    for (const fraction of [0.9, 0.5, 0.2]) {
      expect(decayFraction(ageAtFraction(fraction, 60, 1.5), 60, 1.5)).toBeCloseTo(fraction, 9);
    }
  });
});

describe("decayedScore", () => {
  const input = { base: 85, decayStart: start, lifetimeDays: 30, decaySpeed: 2 };

  it("holds the base until the live curve reaches a reaction point, then holds that point", () => {
    expect(decayedScore(input, start, model).stored).toBe(85);
    // live at day 1 = 85 × (1 − √(1/30)) ≈ 69.5: below 70, not yet at 60 -> stored 70
    const dayOne = decayedScore(input, start + dayMs, model);
    expect(dayOne.live).toBeCloseTo(69.48, 1);
    expect(dayOne.stored).toBe(70);
    expect(dayOne.expired).toBe(false);
  });

  it("expires below the threshold and at the end of the lifetime", () => {
    const late = decayedScore(input, start + 20 * dayMs, model);
    expect(late.expired).toBe(true);
    expect(late.stored).toBe(0);
    const noThreshold = { ...model, expiryThreshold: 0 };
    expect(decayedScore(input, start + 29.9 * dayMs, noThreshold).expired).toBe(false);
    expect(decayedScore(input, start + 30 * dayMs, noThreshold).expired).toBe(true);
  });

  it("expires at once a base under the threshold", () => {
    expect(decayedScore({ ...input, base: 10 }, start, model).expired).toBe(true);
  });
});

describe("nextReactionAt", () => {
  const input = { base: 85, decayStart: start, lifetimeDays: 30, decaySpeed: 2 };

  it("is the first instant the stored score changes", () => {
    let now = start;
    const seen: number[] = [decayedScore(input, now, model).stored];
    for (let step = 0; step < 20; step++) {
      const next = nextReactionAt(input, now, model);
      if (next === null) break;
      expect(next).toBeGreaterThan(now);
      const before = decayedScore(input, next - 2, model);
      const after = decayedScore(input, next, model);
      expect(after.stored === before.stored && after.expired === before.expired).toBe(false);
      seen.push(after.stored);
      now = next;
    }
    // 85 -> 80 -> 70 -> … -> 30 -> expired (0) when the live score drops under the threshold (20)
    expect(seen).toEqual([85, 80, 70, 60, 50, 40, 30, 0]);
    expect(nextReactionAt(input, now, model)).toBeNull();
  });
});
