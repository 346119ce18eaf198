import { indicatorTypes } from "@threatfusion/ioc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeConfidence, confidenceOnly, type Observation } from "./confidence.ts";
import { dayMs } from "./decay.ts";
import { contextKinds, defaultScoringModel as model, reliabilityLevels } from "./model.ts";
import { scoreIndicator } from "./score.ts";

const now = Date.UTC(2026, 10, 25);

const observationArb: fc.Arbitrary<Observation> = fc.record({
  sourceId: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"),
  reliability: fc.constantFrom(...reliabilityLevels),
  sourceConfidence: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  firstSeen: fc.constant(now - 400 * dayMs),
  lastSeen: fc.integer({ min: now - 800 * dayMs, max: now }),
});

const inputArb = fc.record({
  type: fc.constantFrom(...indicatorTypes),
  observations: fc.array(observationArb, { maxLength: 8 }),
  kinds: fc.subarray([...contextKinds]),
  families: fc.array(fc.constantFrom("Emotet", "QakBot"), { maxLength: 2 }),
  sightings: fc.array(fc.integer({ min: now - 60 * dayMs, max: now }), { maxLength: 5 }),
  verdict: fc.constantFrom(undefined, "false-positive" as const, "true-positive" as const),
  fp: fc.integer({ min: 0, max: 20 }),
  tp: fc.integer({ min: 0, max: 20 }),
  ageDays: fc.integer({ min: 0, max: 1000 }),
});

describe("scoring properties", () => {
  it("keeps every score and confidence within 0–100 and integral", () => {
    fc.assert(
      fc.property(inputArb, (arb) => {
        const result = scoreIndicator(
          {
            type: arb.type,
            observations: arb.observations,
            context: { kinds: arb.kinds, malwareFamilies: arb.families },
            sightings: arb.sightings.map((at) => ({ at })),
            feedback: {
              tenantVerdict: arb.verdict,
              global: { falsePositiveTenants: arb.fp, truePositiveTenants: arb.tp },
            },
            now: now + arb.ageDays * dayMs,
          },
          model,
        );
        expect(Number.isInteger(result.score)).toBe(true);
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(100);
        expect(result.confidence).toBeGreaterThanOrEqual(0);
        expect(result.confidence).toBeLessThanOrEqual(100);
        expect(result.expired).toBe(result.score === 0);
      }),
    );
  });

  it("never lowers confidence when more corroboration is added", () => {
    fc.assert(
      fc.property(fc.array(observationArb, { maxLength: 8 }), observationArb, (observations, extra) => {
        const before = computeConfidence(observations, model).confidence;
        const after = computeConfidence([...observations, extra], model).confidence;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });

  it("gives the same confidence on the batch path as on the explained path", () => {
    fc.assert(
      fc.property(fc.array(observationArb, { maxLength: 10 }), (observations) => {
        const explained = computeConfidence(observations, model);
        expect(confidenceOnly(observations, model)).toEqual({
          confidence: explained.confidence,
          independentSources: explained.independentSources,
        });
      }),
    );
  });

  it("never raises the score on a false-positive verdict nor lowers it on a confirmation or sighting", () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 29 }), (arb, sightingDaysAgo) => {
        const base = {
          type: arb.type,
          observations: arb.observations,
          context: { kinds: arb.kinds },
          now,
        };
        const plain = scoreIndicator(base, model).score;
        const fp = scoreIndicator({ ...base, feedback: { tenantVerdict: "false-positive" } }, model).score;
        const tp = scoreIndicator(
          { ...base, feedback: { tenantVerdict: "true-positive", tenantVerdictAt: now } },
          model,
        ).score;
        const sighted = scoreIndicator(
          { ...base, sightings: [{ at: now - sightingDaysAgo * dayMs }] },
          model,
        ).score;
        const globalFp = scoreIndicator(
          { ...base, feedback: { global: { falsePositiveTenants: arb.fp, truePositiveTenants: arb.tp } } },
          model,
        ).score;
        expect(fp).toBeLessThanOrEqual(plain);
        expect(tp).toBeGreaterThanOrEqual(plain);
        expect(sighted).toBeGreaterThanOrEqual(plain);
        expect(globalFp).toBeLessThanOrEqual(plain);
      }),
    );
  });

  it("never raises a score as time passes without new evidence", () => {
    fc.assert(
      fc.property(
        inputArb,
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        (arb, a, b) => {
          const at = (days: number) =>
            scoreIndicator(
              {
                type: arb.type,
                observations: arb.observations,
                context: { kinds: arb.kinds },
                now: now + days * dayMs,
              },
              model,
            ).score;
          expect(at(a + b)).toBeLessThanOrEqual(at(a));
        },
      ),
    );
  });
});
