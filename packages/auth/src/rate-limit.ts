/**
 * Pure rate limiter step (GCRA, the generic cell rate algorithm: a token bucket kept as one timestamp),
 * meant to run inside a per-token and a per-tenant Durable Object that stores the returned state.
 *
 * The state is the "theoretical arrival time": when the bucket would be full again. A request is allowed
 * while that time is no more than the burst allowance ahead of now.
 */
import { AppError } from "@threatfusion/core";

export interface RateLimitPolicy {
  /** Requests allowed per period on average. */
  limit: number;
  periodSeconds: number;
  /** Requests that may arrive at once on a rested bucket; defaults to `limit`. */
  burst?: number;
}

export interface RateLimitState {
  /** Epoch milliseconds at which the bucket is full again. */
  theoreticalArrivalMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The state to store (unchanged when the request was refused). */
  state: RateLimitState;
  /** Requests that could still be made right now. */
  remaining: number;
  /** Whole seconds to wait before this request would be allowed; 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * One rate-limit step for a request costing `cost` units (default 1) at `nowMs`.
 *
 * @example
 * const decision = rateLimitStep(stored ?? null, Date.now(), { limit: 600, periodSeconds: 60 });
 * if (!decision.allowed) throw rateLimitedError(decision);
 */
export function rateLimitStep(
  state: RateLimitState | null,
  nowMs: number,
  policy: RateLimitPolicy,
  cost = 1,
): RateLimitDecision {
  const burst = policy.burst ?? policy.limit;
  if (!(policy.limit > 0) || !(policy.periodSeconds > 0) || !(burst >= 1) || !(cost >= 0)) {
    throw new RangeError("rate limit policy needs a positive limit, period and burst");
  }
  const intervalMs = (policy.periodSeconds * 1000) / policy.limit;
  const toleranceMs = intervalMs * burst;
  const arrival = Math.max(state?.theoreticalArrivalMs ?? nowMs, nowMs);
  const newArrival = arrival + intervalMs * cost;
  // Allowed while the bucket, after this request, is no more than `burst` intervals ahead of now. The
  // microsecond slack absorbs floating-point noise so a client that waits exactly Retry-After gets through.
  const headroomMs = intervalMs * (burst - cost);
  const allowAtMs = arrival - headroomMs;

  if (arrival - nowMs > headroomMs + 1e-3) {
    const kept = { theoreticalArrivalMs: arrival };
    return {
      allowed: false,
      state: kept,
      remaining: Math.max(0, Math.floor((nowMs + toleranceMs - arrival) / intervalMs)),
      retryAfterSeconds: Math.max(1, Math.ceil((allowAtMs - nowMs) / 1000)),
    };
  }
  return {
    allowed: true,
    state: { theoreticalArrivalMs: newArrival },
    remaining: Math.max(0, Math.floor((nowMs + toleranceMs - newArrival) / intervalMs)),
    retryAfterSeconds: 0,
  };
}

/** The 429 error for a refused step, carrying `Retry-After` for the HTTP adapter. */
export function rateLimitedError(decision: RateLimitDecision, what = "requests"): AppError {
  return new AppError("RATE_LIMITED", `Too many ${what}; retry after ${decision.retryAfterSeconds} s`, {
    headers: { "Retry-After": String(decision.retryAfterSeconds) },
    details: { retryAfterSeconds: decision.retryAfterSeconds },
  });
}
