import { env } from "cloudflare:workers";
import { newId } from "@threatfusion/core";
import { describe, expect, it } from "vitest";
import { leaseSize, takeRateLimitUnit } from "./rate-limit-lease.ts";
import { rateLimiter } from "./rate-limiter.ts";

/** What the key's Durable Object has handed out so far: its remaining units (a zero-cost step). */
async function remainingInObject(
  key: string,
  policy: { limit: number; periodSeconds: number; burst: number },
) {
  return (await rateLimiter(env, key).take(policy, 0)).remaining;
}

describe("rate-limit leases of an isolate", () => {
  it("takes a tenth of the burst per Durable Object step and spends it locally", async () => {
    // A slow refill (one unit per 72 s), so the time the test takes cannot change the counts.
    const policy = { limit: 1200, periodSeconds: 86_400, burst: 120 };
    const key = `token:${newId("apiToken")}`;
    expect(leaseSize(policy)).toBe(10);
    // One instant for the isolate's clock, so a slow machine cannot let the lease lapse mid-test.
    const now = Date.now();
    for (let i = 0; i < 10; i++) {
      expect((await takeRateLimitUnit(env, key, policy, now)).allowed).toBe(true);
    }
    // Ten requests, one Durable Object step of ten units.
    expect(await remainingInObject(key, policy)).toBe(110);
    expect((await takeRateLimitUnit(env, key, policy, now)).allowed).toBe(true);
    expect(await remainingInObject(key, policy)).toBe(100);
  });

  it("never admits more than the budget, and counts small budgets one request at a time", async () => {
    const policy = { limit: 20, periodSeconds: 3600, burst: 20 };
    const key = `tenant:${newId("tenant")}`;
    const decisions = [];
    for (let i = 0; i < 25; i++) decisions.push(await takeRateLimitUnit(env, key, policy));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(20);
    expect(decisions.at(-1)?.retryAfterSeconds).toBeGreaterThan(0);

    const tiny = { limit: 2, periodSeconds: 60, burst: 2 };
    expect(leaseSize(tiny)).toBe(1);
    const tinyKey = `token:${newId("apiToken")}`;
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await takeRateLimitUnit(env, tinyKey, tiny)).allowed);
    expect(allowed).toEqual([true, true, false]);
  });
});
