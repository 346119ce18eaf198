import { AppError, newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

export interface SubscribeFeedInput {
  feedId: string;
  /** false: unsubscribe (the row stays, disabled). */
  enabled: boolean;
  /** Indicators below this confidence are not shown to the tenant (0–100). */
  minConfidence?: number | null;
}

/** Subscribes the acting tenant to a global feed (or changes/ends the subscription). */
export async function subscribeFeed({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: SubscribeFeedInput;
}): Promise<{ feedId: string; enabled: boolean; minConfidence: number | null }> {
  authorizeAction(ctx, "feed.subscribe");
  return inTenantTx(ctx, async (tx) => {
    const { rows: feeds } = await tx.execute<{ tenant_id: string | null }>(
      sql`select tenant_id from feeds where id = ${input.feedId}`,
    );
    const feed = feeds[0];
    if (!feed) throw new AppError("NOT_FOUND", "No such feed");
    if (feed.tenant_id !== null) throw new AppError("CONFLICT", "A private feed needs no subscription");
    const minConfidence = input.minConfidence ?? null;
    await tx.execute(sql`
      insert into feed_subscriptions (id, tenant_id, feed_id, enabled, min_confidence)
      values (${newId("subscription")}, ${ctx.tenant.tenantId}, ${input.feedId}, ${input.enabled}, ${minConfidence})
      on conflict (tenant_id, feed_id) do update set
        enabled = excluded.enabled, min_confidence = excluded.min_confidence, updated_at = now()`);
    await appendAudit(tx, {
      tenantId: ctx.tenant.tenantId,
      action: input.enabled ? "feed.subscribed" : "feed.unsubscribed",
      actor: ctx.actor,
      targetKind: "feed",
      targetId: input.feedId,
      details: { minConfidence },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
    return { feedId: input.feedId, enabled: input.enabled, minConfidence };
  });
}
