import { AppError, newId } from "@threatfusion/core";
import type { Tlp } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { canonicalKey, findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

export interface CreateIndicatorInput {
  value: string;
  type?: string | undefined;
  confidence?: number | undefined;
  score?: number | undefined;
  tlp?: Tlp | undefined;
  tags?: string[] | undefined;
  description?: string | undefined;
  firstSeen?: string | undefined;
  lastSeen?: string | undefined;
  context?: Record<string, unknown> | undefined;
  /** An MSSP offering the indicator to all its clients. */
  sharedWithAllClients?: boolean | undefined;
}

/**
 * Creates a tenant-private indicator (defanged input accepted; stored canonical). CONFLICT when the
 * tenant already has that value privately; the global catalog is never written from here.
 */
export async function createIndicator({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreateIndicatorInput;
}): Promise<IndicatorView> {
  authorizeAction(ctx, "indicator.write");
  const key = canonicalKey(input.value, input.type);
  const now = ctx.now().toISOString();
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return inTenantTx(ctx, async (tx) => {
    const id = newId("privateIndicator");
    const { rows } = await tx.execute<{ id: string }>(sql`
      insert into private_indicators
        (id, tenant_id, type, value, first_seen, last_seen, confidence, score, tlp, tags, description, context,
         shared_with_all_clients, created_by)
      values (${id}, ${ctx.tenant.tenantId}, ${key.type}, ${key.value},
        ${input.firstSeen ?? now}::timestamptz, ${input.lastSeen ?? input.firstSeen ?? now}::timestamptz,
        ${input.confidence ?? null}, ${input.score ?? 50}, ${input.tlp ?? "amber"},
        ${sql.param([...new Set(input.tags ?? [])].sort())}::text[], ${input.description ?? null},
        ${JSON.stringify(input.context ?? {})}::jsonb, ${input.sharedWithAllClients ?? false}, ${userId})
      on conflict (tenant_id, type, value) do nothing
      returning id`);
    if (rows.length === 0) {
      throw new AppError(
        "CONFLICT",
        `This tenant already has ${key.type} ${key.value} as a private indicator`,
      );
    }
    await appendAudit(tx, {
      tenantId: ctx.tenant.tenantId,
      action: "indicator.created",
      actor: ctx.actor,
      targetKind: "private_indicator",
      targetId: id,
      details: {
        type: key.type,
        value: key.value,
        sharedWithAllClients: input.sharedWithAllClients ?? false,
      },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
    return toIndicatorView(await findIndicator(tx, ctx.tenant.tenantId, { id }));
  });
}
