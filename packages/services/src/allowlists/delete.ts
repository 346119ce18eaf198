import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { applyAllowlistChange } from "./entries.ts";

/**
 * Removes an allowlist entry and restores, in the same transaction, what it alone suppressed: the overlay
 * rows carrying it as a reason are re-scored against the remaining allowlist (rows another entry or a
 * warninglist still covers stay suppressed, with the remaining reasons).
 */
export async function deleteAllowlistEntry({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<{ id: string; restored: number }> {
  authorizeAction(ctx, "allowlist.manage");
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ id: string; value: string }>(
      sql`delete from allowlist_entries where id = ${input.id} and tenant_id = ${tenantId} returning id, value`,
    );
    const deleted = rows[0];
    if (deleted === undefined) throw new AppError("NOT_FOUND", "No such allowlist entry");
    const { rows: affected } = await tx.execute<{ indicator_id: string }>(sql`
      select indicator_id from tenant_indicators
      where tenant_id = ${tenantId} and suppression_reasons @> ${JSON.stringify([{ listId: input.id }])}::jsonb`);
    const { rows: affectedPrivate } = await tx.execute<{ id: string }>(sql`
      select id from private_indicators
      where tenant_id = ${tenantId} and suppression_reasons @> ${JSON.stringify([{ listId: input.id }])}::jsonb`);
    const applied = await applyAllowlistChange(
      tx,
      { tenantId, msspId: ctx.tenant.msspId ?? null },
      affected.map((row) => row.indicator_id),
      ctx.now().getTime(),
      affectedPrivate.map((row) => row.id),
    );
    await recordAudit(ctx, tx, {
      action: "allowlist.delete",
      targetKind: "allowlist_entry",
      targetId: input.id,
      details: { value: deleted.value, changed: applied.changed },
    });
    return { id: input.id, restored: applied.changed };
  });
}
