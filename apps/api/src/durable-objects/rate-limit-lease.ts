import type { RateLimitDecision, RateLimitPolicy } from "@threatfusion/auth";
import { rateLimiter } from "./rate-limiter.ts";

/**
 * Units of a rate-limit bucket this isolate took from its Durable Object in advance and spends locally: most
 * requests then make no Durable Object call at all. Units are taken from the shared bucket before they are
 * spent, so the limit is never exceeded; what an isolate does not spend within `leaseLifetimeMs` is lost
 * (at most `leaseSize - 1` units per key and isolate: a client may be refused slightly early, never late).
 */
interface Lease {
  units: number;
  /** The bucket's remaining units when the lease was taken (for the RateLimit-Remaining header). */
  remainingAfter: number;
  expiresAtMs: number;
}

// Long enough that a client slower than one request a second still spends its lease (with 1 s, each slow
// request took ten units and lost nine, so a steady slow client hit 429 at a tenth of its budget); at most
// `leaseSize - 1` units per key and isolate are held back this long.
const leaseLifetimeMs = 10_000;
// Bounded so that many keys cannot grow an isolate's memory.
const maxLeases = 5_000;
const leases = new Map<string, Lease>();

/**
 * How many units one Durable Object step takes: a tenth of the burst, 1 to 10. Small budgets (a burst under
 * 20) are counted one request at a time, exactly as before leases.
 */
export function leaseSize(policy: RateLimitPolicy): number {
  const burst = policy.burst ?? policy.limit;
  return Math.max(1, Math.min(10, Math.floor(burst / 10)));
}

/** One unit of `key`'s budget under `policy`: from this isolate's lease when it holds one, else its DO. */
export async function takeRateLimitUnit(
  env: Env,
  key: string,
  policy: RateLimitPolicy,
  nowMs = Date.now(),
): Promise<RateLimitDecision> {
  const lease = leases.get(key);
  if (lease !== undefined && lease.units > 0 && lease.expiresAtMs > nowMs) {
    lease.units -= 1;
    return {
      allowed: true,
      state: { theoreticalArrivalMs: 0 },
      remaining: lease.remainingAfter + lease.units,
      retryAfterSeconds: 0,
    };
  }
  const size = leaseSize(policy);
  const decision = await rateLimiter(env, key).takeUpTo(policy, size);
  if (decision.allowed && decision.granted > 1) {
    if (leases.size >= maxLeases && !leases.has(key)) {
      const oldest = leases.keys().next();
      if (oldest.done !== true) leases.delete(oldest.value);
    }
    leases.set(key, {
      units: decision.granted - 1,
      remainingAfter: decision.remaining,
      expiresAtMs: nowMs + leaseLifetimeMs,
    });
  } else {
    leases.delete(key);
  }
  return {
    allowed: decision.allowed,
    state: decision.state,
    remaining: decision.remaining + Math.max(0, decision.granted - 1),
    retryAfterSeconds: decision.retryAfterSeconds,
  };
}
