import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { getIndicatorScore, type IndicatorScoreView } from "../scoring/get-indicator-score.ts";
import { rescoreTenantIndicators } from "../scoring/tenant-score.ts";

/** A tenant's verdict on a catalog indicator; `none` withdraws it. */
export type FeedbackVerdict = "false_positive" | "confirmed" | "none";

/**
 * Records a tenant's verdict and re-scores the tenant's view at once, in the same transaction: a false
 * positive drops the effective score under the expiry threshold (out of the tenant's exports, blocklists
 * and alerts; still searchable), a confirmation adds to it and restarts decay. The indicator is also queued
 * for a global re-score, where verdicts count only as k-anonymous totals (`feedbackAggregate`): the global
 * score never reveals which tenants, or whether fewer than k did.
 */
export async function submitFeedback({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { indicatorId: string; verdict: FeedbackVerdict };
}): Promise<IndicatorScoreView> {
  authorizeAction(ctx, "overlay.write");
  if (!input.indicatorId.startsWith("ind_")) {
    throw new AppError("VALIDATION_FAILED", "indicatorId: verdicts apply to catalog indicators (ind_…)");
  }
  const tenantId = ctx.tenant.tenantId;
  const now = ctx.now();
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const status = input.verdict === "none" ? "new" : input.verdict;
  await inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ id: string }>(
      sql`select id from indicators where id = ${input.indicatorId}`,
    );
    if (rows[0] === undefined) throw new AppError("NOT_FOUND", "No such indicator");
    await tx.execute(sql`
      insert into tenant_indicators (tenant_id, indicator_id, status, verdict_at, updated_by, updated_at)
      values (${tenantId}, ${input.indicatorId}, ${status}, ${now.toISOString()}::timestamptz, ${userId},
        ${now.toISOString()}::timestamptz)
      on conflict (tenant_id, indicator_id) do update set
        status = excluded.status, restore_status = null, verdict_at = excluded.verdict_at,
        updated_by = excluded.updated_by,
        updated_at = greatest(excluded.updated_at, tenant_indicators.updated_at + interval '1 microsecond')`);
    await rescoreTenantIndicators(tx, {
      tenantId,
      msspId: ctx.tenant.msspId ?? null,
      indicatorIds: [input.indicatorId],
      now: now.getTime(),
    });
    await tx.execute(sql`insert into score_requests (indicator_id) values (${input.indicatorId})
      on conflict do nothing`);
    await recordAudit(ctx, tx, {
      action: "indicator.feedback",
      targetKind: "indicator",
      targetId: input.indicatorId,
      details: { verdict: input.verdict },
    });
  });
  return getIndicatorScore({ ctx, input: { id: input.indicatorId } });
}
