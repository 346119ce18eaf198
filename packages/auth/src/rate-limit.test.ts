import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type RateLimitPolicy, type RateLimitState, rateLimitedError, rateLimitStep } from "./rate-limit.ts";

const perMinute: RateLimitPolicy = { limit: 60, periodSeconds: 60, burst: 10 };

describe("rateLimitStep", () => {
  it("allows a burst on a rested bucket, then refuses with Retry-After", () => {
    let state: RateLimitState | null = null;
    const now = 1_000_000;
    for (let i = 0; i < 10; i++) {
      const decision = rateLimitStep(state, now, perMinute);
      expect(decision.allowed).toBe(true);
      expect(decision.remaining).toBe(9 - i);
      state = decision.state;
    }
    const refused = rateLimitStep(state, now, perMinute);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    expect(refused.state).toEqual(state);
  });

  it("refills at the average rate", () => {
    let state: RateLimitState | null = null;
    for (let i = 0; i < 10; i++) state = rateLimitStep(state, 0, perMinute).state;
    expect(rateLimitStep(state, 999, perMinute).allowed).toBe(false);
    expect(rateLimitStep(state, 1000, perMinute).allowed).toBe(true);
  });

  it("defaults the burst to the limit and charges a cost", () => {
    const policy = { limit: 5, periodSeconds: 10 };
    expect(rateLimitStep(null, 0, policy, 5).allowed).toBe(true);
    expect(rateLimitStep(null, 0, policy, 6).allowed).toBe(false);
  });

  it("rejects nonsensical policies", () => {
    expect(() => rateLimitStep(null, 0, { limit: 0, periodSeconds: 1 })).toThrow(RangeError);
  });

  it("never allows more than burst + elapsed/interval requests in any window (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 }),
        (limit, burst, gaps) => {
          const policy = { limit, periodSeconds: 10, burst };
          const intervalMs = 10_000 / limit;
          let state: RateLimitState | null = null;
          let now = 0;
          const allowedAt: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const decision = rateLimitStep(state, now, policy);
            state = decision.state;
            if (decision.allowed) allowedAt.push(now);
          }
          for (let i = 0; i < allowedAt.length; i++) {
            for (let j = i; j < allowedAt.length; j++) {
              const span = (allowedAt[j] ?? 0) - (allowedAt[i] ?? 0);
              expect(j - i + 1).toBeLessThanOrEqual(burst + span / intervalMs + 1e-9);
            }
          }
        },
      ),
    );
  });

  it("allows the request once Retry-After has passed (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), (limit, extra) => {
        const policy = { limit, periodSeconds: 60, burst: 1 };
        let state: RateLimitState | null = null;
        for (let i = 0; i < extra; i++) state = rateLimitStep(state, 0, policy).state;
        const refused = rateLimitStep(state, 0, policy);
        if (refused.allowed) return;
        expect(rateLimitStep(refused.state, refused.retryAfterSeconds * 1000, policy).allowed).toBe(true);
      }),
    );
  });
});

describe("rateLimitedError", () => {
  it("is a 429 AppError carrying Retry-After", () => {
    const refused = rateLimitStep({ theoreticalArrivalMs: 120_000 }, 0, { limit: 1, periodSeconds: 60 });
    const error = rateLimitedError(refused);
    expect(error.status).toBe(429);
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.headers["Retry-After"]).toBe(String(refused.retryAfterSeconds));
    expect(refused.retryAfterSeconds).toBe(120);
  });
});
