import { AppError, newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { entryKeys } from "../warninglists/keys.ts";
import {
  type AllowlistEntryRow,
  type AllowlistEntryType,
  type AllowlistEntryView,
  applyAllowlistChange,
  candidateIndicators,
  normalizeAllowlistValue,
  toAllowlistEntryView,
  validateAppliesTo,
} from "./entries.ts";

export interface CreateAllowlistEntryInput {
  value: string;
  type?: AllowlistEntryType | undefined;
  appliesTo?: string[] | undefined;
  note?: string | undefined;
}

/**
 * Adds an entry to the acting tenant's allowlist (tenant admins and analysts, MSSP staff acting for the
 * client: `allowlist.manage`) and applies it retroactively in the same transaction: every stored catalog
 * indicator and every private indicator of the tenant it matches is suppressed for this tenant, with the
 * entry as the reason, and leaves its exports, blocklists and alerts (it stays searchable). CONFLICT when the tenant already has the entry.
 */
export async function createAllowlistEntry({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreateAllowlistEntryInput;
}): Promise<AllowlistEntryView & { suppressedNow: number }> {
  authorizeAction(ctx, "allowlist.manage");
  const { value, type } = normalizeAllowlistValue(input.value, input.type);
  const appliesTo = validateAppliesTo(input.appliesTo);
  const note = input.note?.trim() || null;
  if (note !== null && note.length > 500)
    throw new AppError("VALIDATION_FAILED", "note: at most 500 characters");
  const keys = entryKeys(type, value);
  const tenantId = ctx.tenant.tenantId;
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return inTenantTx(ctx, async (tx) => {
    const id = newId("allowlistEntry");
    const { rows } = await tx.execute<AllowlistEntryRow>(sql`
      insert into allowlist_entries (id, tenant_id, value, entry_type, applies_to, note, match_key, net, created_by)
      values (${id}, ${tenantId}, ${value}, ${type}, ${appliesTo === null ? null : sql`${sql.param(appliesTo)}::text[]`},
        ${note}, ${keys.matchKey}, ${keys.net}::cidr, ${userId})
      on conflict (tenant_id, entry_type, value) do nothing
      returning id, value, entry_type, applies_to, note, created_at`);
    const row = rows[0];
    if (row === undefined) throw new AppError("CONFLICT", `The allowlist already holds ${type} ${value}`);
    const candidates = await candidateIndicators(tx, { value, type });
    const privateCandidates = await candidateIndicators(tx, { value, type }, tenantId);
    const applied = await applyAllowlistChange(
      tx,
      { tenantId, msspId: ctx.tenant.msspId ?? null },
      candidates,
      ctx.now().getTime(),
      privateCandidates,
    );
    await recordAudit(ctx, tx, {
      action: "allowlist.create",
      targetKind: "allowlist_entry",
      targetId: id,
      details: { value, type, changed: applied.changed },
    });
    return { ...toAllowlistEntryView(row), suppressedNow: applied.changed };
  });
}
