import type { DbTransaction } from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import type { SuppressionIndex, SuppressionReason } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { matchWarninglists } from "../warninglists/match.ts";
import { loadAllowlistIndex, nextStatus } from "./tenant-score.ts";

/** What a pass over a tenant's private indicators did. */
export interface PrivateSuppressionStats {
  examined: number;
  /** Rows written: suppression, reasons or status changed, or a changed row's version recorded as decided. */
  changed: number;
  /** Rows that left or re-entered exports and blocklists (suppression flipped). */
  membershipChanged: number;
}

interface PrivateRow extends Record<string, unknown> {
  id: string;
  type: IndicatorType;
  value: string;
  status: string;
  restore_status: "new" | "investigating" | null;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  decided: boolean;
}

/** Which of the tenant's own private indicators to (re-)decide: these ids, or those changed since decided. */
export type PrivateSelection = { ids: readonly string[] } | { due: true; limit: number };

function reasonKey(reasons: readonly SuppressionReason[]): string {
  return reasons
    .map((reason) => `${reason.listId}\u0000${reason.entry}\u0000${reason.effect}`)
    .join("\u0001");
}

/**
 * Suppression of the acting tenant's own private indicators, inside its transaction: the warninglists and
 * reserved ranges (as for the catalog) plus the tenant's allowlist decide, with reasons; an open row is
 * held in `allowlisted` while suppressed and restored when the cause goes (analyst verdicts are never
 * overridden). Writes only rows whose state changed or whose new version was not decided yet; a visible
 * change moves `updated_at` forward so blocklist `since` diffs publish it. Rows an MSSP shares with its
 * clients are decided by the owner, once. Idempotent.
 */
export async function resuppressPrivateIndicators(
  tx: DbTransaction,
  options: { tenantId: string; select: PrivateSelection; now: number; allowlist?: SuppressionIndex },
): Promise<PrivateSuppressionStats> {
  const stats: PrivateSuppressionStats = { examined: 0, changed: 0, membershipChanged: 0 };
  const { tenantId, select } = options;
  if ("ids" in select && select.ids.length === 0) return stats;
  const which =
    "ids" in select
      ? sql`id = any(${sql.param([...new Set(select.ids)])}::text[])`
      : sql`scored_at is distinct from updated_at`;
  const { rows } = await tx.execute<PrivateRow>(sql`
    select id, type, value::text as value, status, restore_status, suppressed, suppression_reasons,
      scored_at is not distinct from updated_at as decided
    from private_indicators where tenant_id = ${tenantId} and ${which}
    ${"limit" in select ? sql`order by id limit ${select.limit}` : sql``}`);
  if (rows.length === 0) return stats;
  const [warninglistMatches, allowlist] = await Promise.all([
    matchWarninglists(tx, rows),
    options.allowlist ?? loadAllowlistIndex(tx, tenantId),
  ]);
  const changes: Record<string, unknown>[] = [];
  rows.forEach((row, i) => {
    stats.examined++;
    const global = warninglistMatches[i] ?? { suppressed: false, reasons: [] };
    const own = allowlist.match(row);
    const reasons = [...own.reasons, ...global.reasons];
    const suppressed = own.suppressed || global.suppressed;
    const { status, restore } = nextStatus(row, suppressed, false);
    const same =
      row.suppressed === suppressed &&
      reasonKey(row.suppression_reasons) === reasonKey(reasons) &&
      row.status === status &&
      row.restore_status === restore;
    if (same && row.decided) return;
    if (row.suppressed !== suppressed) stats.membershipChanged++;
    changes.push({
      id: row.id,
      status,
      restore_status: restore,
      suppressed,
      reasons,
      visible: !same,
    });
  });
  stats.changed = changes.length;
  if (changes.length === 0) return stats;
  const at = new Date(options.now).toISOString();
  const version = sql`case when u.visible then greatest(${at}::timestamptz, p.updated_at + interval '1 microsecond')
    else p.updated_at end`;
  await tx.execute(sql`
    update private_indicators p set status = u.status, restore_status = u.restore_status,
      suppressed = u.suppressed, suppression_reasons = u.reasons, updated_at = ${version}, scored_at = ${version}
    from json_to_recordset(${JSON.stringify(changes)}::json)
      as u(id text, status text, restore_status text, suppressed boolean, reasons jsonb, visible boolean)
    where p.tenant_id = ${tenantId} and p.id = u.id`);
  return stats;
}
