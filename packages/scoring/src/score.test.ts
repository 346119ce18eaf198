import { describe, expect, it } from "vitest";
import type { Observation } from "./confidence.ts";
import { dayMs } from "./decay.ts";
import { defaultScoringModel as model } from "./model.ts";
import { effectiveTenantScore, feedbackAggregate, type ScoreInput, scoreIndicator } from "./score.ts";

const now = Date.UTC(2026, 10, 25, 12);

const feodo: Observation = {
  sourceId: "feodo",
  sourceName: "Feodo Tracker",
  reliability: "B",
  sourceConfidence: 100,
  firstSeen: now - 20 * dayMs,
  lastSeen: now - 12 * dayMs,
};
const corroborating: Observation[] = [
  {
    sourceId: "threatfox",
    sourceName: "ThreatFox",
    reliability: "B",
    firstSeen: now - 15 * dayMs,
    lastSeen: now - 13 * dayMs,
  },
  {
    sourceId: "otx",
    sourceName: "AlienVault OTX",
    reliability: "C",
    firstSeen: now - 14 * dayMs,
    lastSeen: now - 14 * dayMs,
  },
];

function input(extra: Partial<ScoreInput> = {}): ScoreInput {
  return {
    type: "sha256",
    observations: [feodo, ...corroborating],
    context: { kinds: ["c2"] },
    now,
    ...extra,
  };
}

describe("scoreIndicator", () => {
  it("explains the score the way an analyst reads it", () => {
    const result = scoreIndicator(
      input({ type: "ipv4", sightings: [{ at: now - 2 * dayMs, source: "SIEM" }] }),
      model,
    );
    expect(result.explanation.summary).toBe(
      `score ${result.score}: C2 server (Feodo Tracker, reliability B), seen by 3 sources, sighted in your SIEM 2 days ago, decaying for 2 days`,
    );
    expect(result.explanation.factors.map((factor) => factor.key)).toEqual([
      "confidence",
      "context",
      "sightings",
      "bounds",
      "decay",
    ]);
  });

  it("makes the factors add up to the stored score", () => {
    const result = scoreIndicator(input({ type: "domain" }), model);
    const total = result.explanation.factors.reduce((sum, factor) => sum + factor.contribution, 0);
    expect(total).toBeCloseTo(result.score, 0);
  });

  it("keeps confidence and score apart", () => {
    const result = scoreIndicator(input({ type: "asn", context: {} }), model);
    expect(result.confidence).toBeGreaterThan(result.score);
    const withConfidence = scoreIndicator(input({ confidence: 40 }), model);
    expect(withConfidence.confidence).toBe(40);
  });

  it("weights types by how safely they can be acted on", () => {
    const fresh = (type: ScoreInput["type"]) =>
      scoreIndicator({ type, observations: [{ ...feodo, sourceConfidence: 60, lastSeen: now }], now }, model)
        .score;
    expect(fresh("sha256")).toBeGreaterThan(fresh("ipv4"));
    expect(fresh("ipv4")).toBeGreaterThan(fresh("asn"));
  });

  it("boosts by the strongest threat context only, and lowers mass scanners", () => {
    const base = {
      type: "domain" as const,
      observations: [{ ...feodo, sourceConfidence: 50, lastSeen: now }],
      now,
    };
    const none = scoreIndicator(base, model).score;
    const c2 = scoreIndicator({ ...base, context: { kinds: ["c2"] } }, model).score;
    const both = scoreIndicator({ ...base, context: { kinds: ["c2", "ransomware"] } }, model).score;
    const scanner = scoreIndicator({ ...base, context: { kinds: ["scanner"] } }, model).score;
    expect(c2).toBeGreaterThan(none);
    expect(both).toBe(scoreIndicator({ ...base, context: { kinds: ["ransomware"] } }, model).score);
    expect(scanner).toBeLessThan(none);
  });

  it("explains equally boosted context the same whatever order the feeds reported it in", () => {
    const base = { type: "domain" as const, observations: [{ ...feodo, lastSeen: now }], now };
    const malwareFirst = scoreIndicator({ ...base, context: { kinds: ["malware", "phishing"] } }, model);
    const phishingFirst = scoreIndicator({ ...base, context: { kinds: ["phishing", "malware"] } }, model);
    expect(model.context.boosts.malware).toBe(model.context.boosts.phishing);
    expect(phishingFirst.explanation).toEqual(malwareFirst.explanation);
    expect(malwareFirst.explanation.summary).toContain("malware");
  });

  it("decays IPs faster than hashes from the same evidence", () => {
    const ip = scoreIndicator(input({ type: "ipv4" }), model);
    const hash = scoreIndicator(input({ type: "sha256" }), model);
    expect(ip.score).toBeLessThan(hash.score);
    expect(scoreIndicator(input({ type: "ipv4", now: now + 60 * dayMs }), model).expired).toBe(true);
    expect(scoreIndicator(input({ type: "sha256", now: now + 60 * dayMs }), model).expired).toBe(false);
  });

  it("expires an indicator whose evidence outlived its lifetime", () => {
    const result = scoreIndicator(input({ type: "ipv4", now: now + 400 * dayMs }), model);
    expect(result).toMatchObject({ score: 0, expired: true, nextReactionAt: null });
    expect(result.explanation.summary).toMatch(/expired after 412 days$/);
  });

  it("lowers the tenant score at once on a false-positive verdict", () => {
    const plain = scoreIndicator(input(), model);
    const marked = scoreIndicator(input({ feedback: { tenantVerdict: "false-positive" } }), model);
    expect(marked.score).toBeLessThan(plain.score);
    expect(marked.expired).toBe(true);
    expect(marked.explanation.summary).toContain("marked false positive by your team");
  });

  it("raises the tenant score and restarts decay on a confirmation", () => {
    const plain = scoreIndicator(input({ type: "ipv4" }), model);
    const confirmed = scoreIndicator(
      input({ type: "ipv4", feedback: { tenantVerdict: "true-positive", tenantVerdictAt: now } }),
      model,
    );
    expect(confirmed.score).toBeGreaterThan(plain.score);
    expect(confirmed.decayStart).toBe(now);
  });

  it("ignores sightings older than the window and in the future", () => {
    const plain = scoreIndicator(input(), model);
    const stale = scoreIndicator(
      input({ sightings: [{ at: now - 90 * dayMs }, { at: now + dayMs }] }),
      model,
    );
    expect(stale.score).toBe(plain.score);
  });

  it("is deterministic for the same input and now", () => {
    expect(scoreIndicator(input(), model)).toEqual(scoreIndicator(input(), model));
  });
});

describe("feedbackAggregate", () => {
  it("ignores feedback until k tenants said false positive", () => {
    expect(feedbackAggregate({ falsePositiveTenants: 2, truePositiveTenants: 0 }, model)).toMatchObject({
      applied: false,
      penalty: 0,
    });
    expect(feedbackAggregate({ falsePositiveTenants: 3, truePositiveTenants: 0 }, model)).toMatchObject({
      applied: true,
      penalty: 40,
    });
  });

  it("scales the penalty with the false-positive share", () => {
    const split = feedbackAggregate({ falsePositiveTenants: 3, truePositiveTenants: 3 }, model);
    expect(split.penalty).toBe(20);
  });

  it("lowers the global score through scoreIndicator", () => {
    const plain = scoreIndicator(input({ type: "domain" }), model);
    const flagged = scoreIndicator(
      input({ type: "domain", feedback: { global: { falsePositiveTenants: 5, truePositiveTenants: 0 } } }),
      model,
    );
    expect(flagged.score).toBeLessThan(plain.score);
    expect(flagged.explanation.summary).toContain("marked false positive by 5 of 5 tenants");
  });
});

describe("effectiveTenantScore", () => {
  it("rebuilds from the stored global result the same score as scoring with the overlay", () => {
    const sightings = [{ at: now - 2 * dayMs, source: "EDR" }];
    const global = scoreIndicator(input({ type: "url" }), model);
    const tenant = effectiveTenantScore(global, { sightings }, model, now);
    const direct = scoreIndicator(input({ type: "url", sightings }), model);
    expect(tenant.score).toBe(direct.score);
    expect(tenant.expired).toBe(direct.expired);
    expect(tenant.explanation.summary).toBe(direct.explanation.summary);
  });

  it("revives an expired global indicator sighted in the tenant's environment", () => {
    const later = now + 40 * dayMs;
    const global = scoreIndicator(input({ type: "ipv4", now: later }), model);
    expect(global.expired).toBe(true);
    const tenant = effectiveTenantScore(
      global,
      { sightings: [{ at: later - dayMs, source: "SIEM" }] },
      model,
      later,
    );
    expect(tenant.expired).toBe(false);
    expect(tenant.explanation.summary).toContain("sighted in your SIEM yesterday");
  });
});
