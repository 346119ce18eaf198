import { AppError } from "@threatfusion/core";
import type { PrivateIndicatorStatus } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

export interface UpdateIndicatorInput {
  id: string;
  status?: PrivateIndicatorStatus | undefined;
  /** Replaces the notes; null clears them. */
  notes?: string | null | undefined;
  /** Replaces the tenant's tags. */
  tags?: string[] | undefined;
  addTags?: string[] | undefined;
  removeTags?: string[] | undefined;
}

function nextTags(current: string[], input: UpdateIndicatorInput): string[] {
  let tags = input.tags ?? current;
  if (input.addTags) tags = [...tags, ...input.addTags];
  if (input.removeTags) {
    const remove = new Set(input.removeTags);
    tags = tags.filter((tag) => !remove.has(tag));
  }
  return [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))].sort();
}

/**
 * Updates the tenant's overlay of an indicator: status (false positive, confirmed, allowlisted, …), notes,
 * tags. A catalog indicator gets (or changes) its overlay row; a private indicator of the tenant is changed
 * in place. The MSSP's shared indicators are read-only for its clients (FORBIDDEN). The change bumps the
 * row's `updated_at`, which is how blocklist `since` diffs learn about removals and re-additions.
 */
export async function updateIndicator({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: UpdateIndicatorInput;
}): Promise<IndicatorView> {
  authorizeAction(ctx, "overlay.write");
  if (input.status === "revoked" && input.id.startsWith("ind_")) {
    throw new AppError("VALIDATION_FAILED", "status: only private indicators can be revoked");
  }
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const current = await findIndicator(tx, tenantId, { id: input.id });
    if (current.origin === "shared") {
      throw new AppError("FORBIDDEN", "Indicators shared by your MSSP are read-only here");
    }
    const now = ctx.now().toISOString();
    if (current.origin === "catalog") {
      const { rows } = await tx.execute<{ tags: string[] }>(
        sql`select tags from tenant_indicators where tenant_id = ${tenantId} and indicator_id = ${current.id}`,
      );
      const tags = nextTags(rows[0]?.tags ?? [], input);
      await tx.execute(sql`
        insert into tenant_indicators (tenant_id, indicator_id, status, notes, tags, updated_by, updated_at)
        values (${tenantId}, ${current.id}, ${input.status ?? "new"}, ${input.notes ?? null},
                ${sql.param(tags)}::text[], ${userId}, ${now}::timestamptz)
        on conflict (tenant_id, indicator_id) do update set
          status = ${input.status === undefined ? sql`tenant_indicators.status` : sql`excluded.status`},
          notes = ${input.notes === undefined ? sql`tenant_indicators.notes` : sql`excluded.notes`},
          tags = excluded.tags,
          updated_by = excluded.updated_by,
          -- Never backwards: since-cursors rely on a change moving the row forward.
          updated_at = greatest(excluded.updated_at, tenant_indicators.updated_at + interval '1 microsecond')`);
    } else {
      const { rows } = await tx.execute<{ tags: string[] }>(
        sql`select tags from private_indicators where id = ${current.id} and tenant_id = ${tenantId}`,
      );
      const tags = nextTags(rows[0]?.tags ?? [], input);
      await tx.execute(sql`
        update private_indicators set
          status = ${input.status ?? sql`status`},
          notes = ${input.notes === undefined ? sql`notes` : input.notes},
          tags = ${sql.param(tags)}::text[],
          updated_at = greatest(${now}::timestamptz, updated_at + interval '1 microsecond')
        where id = ${current.id} and tenant_id = ${tenantId}`);
    }
    const after = await findIndicator(tx, tenantId, { id: current.id });
    await appendAudit(tx, {
      tenantId,
      action: "indicator.overlay_updated",
      actor: ctx.actor,
      targetKind: "indicator",
      targetId: current.id,
      details: {
        ...(input.status === undefined ? {} : { from: current.status, status: input.status }),
        notesChanged: input.notes !== undefined,
        tags: after.tags,
      },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
    return toIndicatorView(after);
  });
}
