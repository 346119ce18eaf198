import type { DbTransaction } from "@threatfusion/db";
import {
  type AllowlistEntry,
  type ScoringModel,
  type Sighting,
  SuppressionIndex,
  type SuppressionReason,
  scoreIndicator,
  type TenantVerdict,
} from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { storedExplanation } from "./catalog-score.ts";
import { loadScoringInputs } from "./inputs.ts";
import { loadClientModel } from "./model-store.ts";

/** What a tenant re-score did. */
export interface TenantScoreStats {
  examined: number;
  changed: number;
  /** Overlay rows created because the tenant's allowlist suppresses an indicator it had no state about. */
  created: number;
}

interface OverlayRow extends Record<string, unknown> {
  indicator_id: string;
  status: string;
  restore_status: "new" | "investigating" | null;
  effective_score: number | null;
  effective_expired: boolean;
  next_reaction_ms: number | null;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  verdict_ms: number | null;
  updated_ms: number;
  scored_current: boolean;
}

interface GlobalRow extends Record<string, unknown> {
  id: string;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
}

interface SightingRow extends Record<string, unknown> {
  indicator_id: string;
  seen_ms: number;
  sensor: string | null;
}

interface AllowlistRow extends Record<string, unknown> {
  id: string;
  value: string;
  entry_type: "cidr" | "hostname" | "string" | "substring";
  applies_to: string[] | null;
  note: string | null;
}

/** The tenant's allowlist as a matcher (no warninglists: their verdict is stored on the catalog row). */
export async function loadAllowlistIndex(tx: DbTransaction, tenantId: string): Promise<SuppressionIndex> {
  const { rows } = await tx.execute<AllowlistRow>(
    sql`select id, value, entry_type, applies_to, note from allowlist_entries where tenant_id = ${tenantId}`,
  );
  const entries: AllowlistEntry[] = rows.map((row) => ({
    id: row.id,
    value: row.value,
    type: row.entry_type,
    ...(row.note === null ? {} : { note: row.note }),
    ...(row.applies_to === null
      ? {}
      : { appliesTo: row.applies_to as AllowlistEntry["appliesTo"] & string[] }),
  }));
  return SuppressionIndex.build({
    allowlist: entries,
    reservedRanges: false,
    allowlistName: "Your allowlist",
  });
}

const analystOpenStatuses = new Set(["new", "investigating"]);

/**
 * The status the overlay should hold. Analyst verdicts (false positive, confirmed, a manual allowlisting
 * or expiry) are never overridden. An open row ("new", "investigating") is held in `allowlisted` while
 * anything suppresses it and in `expired` while its effective score is expired, and goes back to the
 * status it had (`restore_status`) when the cause goes.
 */
export function nextStatus(
  row: { status: string; restore_status: string | null } | undefined,
  suppressed: boolean,
  expired: boolean,
): { status: string; restore: string | null } {
  const current = row?.status ?? "new";
  const held = row?.restore_status != null && (current === "allowlisted" || current === "expired");
  const base = held && row?.restore_status != null ? row.restore_status : current;
  if (!analystOpenStatuses.has(base)) return { status: current, restore: null };
  const desired = suppressed ? "allowlisted" : expired ? "expired" : base;
  return { status: desired, restore: desired === base ? null : base };
}

/**
 * Re-scores a tenant's view of catalog indicators inside the tenant's transaction: the effective score
 * (the MSSP's model, the tenant's sightings and verdict, global feedback counts), its explanation, and
 * suppression by the global warninglists (stored on the catalog row) and the tenant's allowlist, with
 * reasons. Writes only overlay rows whose stored result changed; creates an overlay row only when the
 * allowlist suppresses an indicator the tenant had no state about. Idempotent.
 */
export async function rescoreTenantIndicators(
  tx: DbTransaction,
  options: {
    tenantId: string;
    msspId: string | null;
    indicatorIds: readonly string[];
    now: number;
    model?: ScoringModel;
    allowlist?: SuppressionIndex;
  },
): Promise<TenantScoreStats> {
  const stats: TenantScoreStats = { examined: 0, changed: 0, created: 0 };
  const ids = [...new Set(options.indicatorIds)];
  if (ids.length === 0) return stats;
  const { tenantId, now } = options;
  const model = options.model ?? (await loadClientModel(tx, options.msspId));
  const idParam = sql.param(ids);
  const [inputs, globals, overlays, sightingRows, allowlist] = await Promise.all([
    loadScoringInputs(tx, ids),
    tx.execute<GlobalRow>(
      sql`select id, suppressed, suppression_reasons from indicators where id = any(${idParam}::text[])`,
    ),
    tx.execute<OverlayRow>(sql`
      select indicator_id, status, restore_status, effective_score, effective_expired, suppressed, suppression_reasons,
        round(extract(epoch from effective_next_reaction_at) * 1000)::float8 as next_reaction_ms,
        round(extract(epoch from verdict_at) * 1000)::float8 as verdict_ms,
        round(extract(epoch from updated_at) * 1000)::float8 as updated_ms,
        scored_at is not distinct from updated_at as scored_current
      from tenant_indicators where tenant_id = ${tenantId} and indicator_id = any(${idParam}::text[])`),
    tx.execute<SightingRow>(sql`
      select indicator_id, round(extract(epoch from seen_at) * 1000)::float8 as seen_ms, sensor from sightings
      where tenant_id = ${tenantId} and indicator_id = any(${idParam}::text[])
        and seen_at > ${new Date(now - model.sightings.windowDays * 86_400_000).toISOString()}::timestamptz
      order by seen_at desc limit 50000`),
    options.allowlist ?? loadAllowlistIndex(tx, tenantId),
  ]);
  const globalById = new Map(globals.rows.map((row) => [row.id, row]));
  const overlayById = new Map(overlays.rows.map((row) => [row.indicator_id, row]));
  const sightings = new Map<string, Sighting[]>();
  for (const row of sightingRows.rows) {
    const list = sightings.get(row.indicator_id) ?? [];
    list.push({ at: row.seen_ms, ...(row.sensor === null ? {} : { source: row.sensor }) });
    sightings.set(row.indicator_id, list);
  }

  const changes: Record<string, unknown>[] = [];
  for (const input of inputs) {
    if (!(input.type in model.types)) continue;
    const overlay = overlayById.get(input.id);
    const allowMatch = allowlist.match({ type: input.type, value: input.value });
    const allowReasons = allowMatch.reasons;
    if (overlay === undefined && !allowMatch.suppressed) continue;
    stats.examined++;
    const global = globalById.get(input.id);
    const reasons = [...allowReasons, ...(global?.suppression_reasons ?? [])];
    const suppressed = allowMatch.suppressed || global?.suppressed === true;
    const verdict: TenantVerdict | undefined =
      overlay?.status === "false_positive"
        ? "false-positive"
        : overlay?.status === "confirmed"
          ? "true-positive"
          : undefined;
    const verdictAt = overlay?.verdict_ms ?? overlay?.updated_ms;
    const result = scoreIndicator(
      {
        ...input.input,
        sightings: sightings.get(input.id) ?? [],
        feedback: {
          ...input.input.feedback,
          ...(verdict === undefined ? {} : { tenantVerdict: verdict }),
          ...(verdict === undefined || verdictAt === undefined ? {} : { tenantVerdictAt: verdictAt }),
        },
        now,
      },
      model,
    );
    const { status, restore } = nextStatus(overlay, suppressed, result.expired);
    const same =
      overlay?.scored_current === true &&
      overlay.effective_score === result.score &&
      overlay.effective_expired === result.expired &&
      overlay.next_reaction_ms === result.nextReactionAt &&
      overlay.suppressed === suppressed &&
      JSON.stringify(overlay.suppression_reasons) === JSON.stringify(reasons) &&
      overlay.status === status &&
      overlay.restore_status === restore;
    if (same) continue;
    if (overlay === undefined) stats.created++;
    changes.push({
      indicator_id: input.id,
      created: overlay === undefined,
      status,
      restore_status: restore,
      score: result.score,
      expired: result.expired,
      next_reaction_at: result.nextReactionAt === null ? null : new Date(result.nextReactionAt).toISOString(),
      explanation: storedExplanation(result),
      suppressed,
      reasons,
      visible:
        overlay === undefined ||
        overlay.status !== status ||
        overlay.effective_score !== result.score ||
        overlay.suppressed !== suppressed ||
        overlay.effective_expired !== result.expired,
    });
  }
  stats.changed = changes.length;
  if (changes.length > 0) await writeOverlayScores(tx, tenantId, changes, now);
  return stats;
}

async function writeOverlayScores(
  tx: DbTransaction,
  tenantId: string,
  changes: Record<string, unknown>[],
  now: number,
): Promise<void> {
  const at = new Date(now).toISOString();
  const columns = sql`indicator_id text, status text, restore_status text, score smallint, expired boolean,
    next_reaction_at timestamptz, explanation jsonb, suppressed boolean, reasons jsonb, visible boolean`;
  const created = changes.filter((change) => change.created === true);
  const updated = changes.filter((change) => change.created !== true);
  if (created.length > 0) {
    await tx.execute(sql`
      insert into tenant_indicators (tenant_id, indicator_id, status, restore_status, effective_score,
        effective_expired, effective_next_reaction_at, score_explanation, suppressed, suppression_reasons,
        updated_at, scored_at)
      select ${tenantId}, u.indicator_id, u.status, u.restore_status, u.score, u.expired, u.next_reaction_at,
        u.explanation, u.suppressed, u.reasons, ${at}::timestamptz, ${at}::timestamptz
      from json_to_recordset(${JSON.stringify(created)}::json) as u(${columns})
      on conflict (tenant_id, indicator_id) do nothing`);
  }
  if (updated.length > 0) {
    // A visible change moves the row forward (blocklist since-diffs, TAXII); `scored_at` records the version
    // scored, so a later change by anyone (a verdict, a sighting) makes the row due again.
    const version = sql`case when u.visible then greatest(${at}::timestamptz, ti.updated_at + interval '1 microsecond')
      else ti.updated_at end`;
    await tx.execute(sql`
      update tenant_indicators ti set
        status = u.status, restore_status = u.restore_status, effective_score = u.score,
        effective_expired = u.expired, effective_next_reaction_at = u.next_reaction_at,
        score_explanation = u.explanation, suppressed = u.suppressed, suppression_reasons = u.reasons,
        updated_at = ${version}, scored_at = ${version}
      from json_to_recordset(${JSON.stringify(updated)}::json) as u(${columns})
      where ti.tenant_id = ${tenantId} and ti.indicator_id = u.indicator_id`);
  }
}
