import { DurableObject } from "cloudflare:workers";
import { type RateLimitDecision, type RateLimitPolicy, rateLimitStep } from "@threatfusion/auth";

/**
 * One instance per rate-limited key (`token:<tok_id>`, `tenant:<tnt_id>`), named by the key. A Durable Object
 * is single-threaded, so the GCRA step (packages/auth `rateLimitStep`) reads and writes its one timestamp
 * without races; SQLite keeps it across evictions.
 */
export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(
        "create table if not exists bucket (id integer primary key check (id = 1), theoretical_arrival_ms real not null)",
      );
    });
  }

  /**
   * Takes as many units as the bucket allows, at most `most` and at least one (a lease an isolate spends
   * locally, see rate-limit-lease.ts); refused like `take` when not even one unit is left.
   */
  takeUpTo(policy: RateLimitPolicy, most: number): RateLimitLease {
    for (let cost = Math.max(1, Math.floor(most)); cost > 1; cost--) {
      const decision = this.take(policy, cost);
      if (decision.allowed) return { ...decision, granted: cost };
    }
    const single = this.take(policy, 1);
    return { ...single, granted: single.allowed ? 1 : 0 };
  }

  /** Takes `cost` units (default 1) under `policy`; the state is stored only when the request is allowed. */
  take(policy: RateLimitPolicy, cost = 1): RateLimitDecision {
    const stored = this.ctx.storage.sql
      .exec<{ theoretical_arrival_ms: number }>("select theoretical_arrival_ms from bucket where id = 1")
      .toArray()[0];
    const decision = rateLimitStep(
      stored ? { theoreticalArrivalMs: stored.theoretical_arrival_ms } : null,
      Date.now(),
      policy,
      cost,
    );
    if (decision.allowed) {
      this.ctx.storage.sql.exec(
        "insert into bucket (id, theoretical_arrival_ms) values (1, ?) on conflict (id) do update set theoretical_arrival_ms = excluded.theoretical_arrival_ms",
        decision.state.theoreticalArrivalMs,
      );
    }
    return decision;
  }
}

/** A step that took up to several units at once: how many it got (0 when refused). */
export interface RateLimitLease extends RateLimitDecision {
  granted: number;
}

/** The limiter of one key, e.g. `rateLimiter(env, "token:tok_…")`. */
export function rateLimiter(env: Env, key: string): DurableObjectStub<RateLimiter> {
  return env.RATE_LIMITER.getByName(key);
}
