import { DurableObject } from "cloudflare:workers";

export interface IndicatorChangeBatch {
  /** Idempotency key: `${feedRunId}:${chunk}`; a redelivered batch is recognised and ignored. */
  batchKey: string;
  indicatorIds: string[];
}

export interface TenantCoordinatorStats {
  batchesApplied: number;
  indicatorsApplied: number;
}

/**
 * One instance per tenant (named by tenant id) serializes that tenant's work: the indicator changes handed
 * over by ingestion, tenant-private submissions, overlay updates and, later, scoring and alert evaluation.
 * Work is idempotent by batch key, so at-least-once delivery upstream never double counts.
 */
export class TenantCoordinator extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(
        `create table if not exists applied_batches (
           batch_key text primary key,
           indicator_count integer not null,
           applied_at text not null
         )`,
      );
    });
  }

  /** Returns false when the batch had been applied before (a redelivery). */
  applyIndicatorChanges(batch: IndicatorChangeBatch): boolean {
    const inserted = this.ctx.storage.sql
      .exec(
        "insert into applied_batches (batch_key, indicator_count, applied_at) values (?, ?, ?) on conflict do nothing returning batch_key",
        batch.batchKey,
        batch.indicatorIds.length,
        new Date().toISOString(),
      )
      .toArray();
    return inserted.length === 1;
  }

  stats(): TenantCoordinatorStats {
    const row = this.ctx.storage.sql
      .exec<{ batches: number; indicators: number }>(
        "select count(*) as batches, coalesce(sum(indicator_count), 0) as indicators from applied_batches",
      )
      .one();
    return { batchesApplied: row.batches, indicatorsApplied: row.indicators };
  }
}

export function tenantCoordinator(env: Env, tenantId: string): DurableObjectStub<TenantCoordinator> {
  return env.TENANT_COORDINATOR.getByName(tenantId);
}
