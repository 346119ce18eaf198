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

/** The limiter of one key, e.g. `rateLimiter(env, "token:tok_…")`. */
export function rateLimiter(env: Env, key: string): DurableObjectStub<RateLimiter> {
  return env.RATE_LIMITER.getByName(key);
}
