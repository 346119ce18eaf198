import { AppError } from "@threatfusion/core";
import { catalogExplanation } from "@threatfusion/db";
import type { SuppressionReason } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import type { StoredExplanation } from "./catalog-score.ts";

/** One side of an indicator's score: the global one, or the tenant's effective one. */
export interface ScoreSide {
  score: number;
  expired: boolean;
  nextReactionAt: string | null;
  explanation: StoredExplanation | null;
  suppressed: boolean;
  suppressionReasons: SuppressionReason[];
}

/** An indicator's two numbers and why: what the indicator detail shows. All values are stored ones. */
export interface IndicatorScoreView {
  indicatorId: string;
  type: string;
  value: string;
  /** The tenant's effective score when it has one, else the global score. */
  score: number;
  /** Our confidence (0-100, STIX semantics) across all sources; not the score. */
  confidence: number | null;
  expired: boolean;
  suppressed: boolean;
  suppressionReasons: SuppressionReason[];
  /** Short form: "score 82: C2 server (Feodo Tracker, reliability B), seen by 3 sources, …". */
  summary: string | null;
  status: string;
  global: ScoreSide & { scoredAt: string | null };
  /** Null when the tenant holds no state about the indicator (then the global score applies). */
  tenant: ScoreSide | null;
}

interface Row extends Record<string, unknown> {
  id: string;
  type: string;
  value: string;
  score: number;
  score_confidence: number | null;
  score_expired: boolean;
  score_next_reaction_at: Date | string | null;
  score_explanation: StoredExplanation | null;
  scored_at: Date | string | null;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  ti_status: string | null;
  effective_score: number | null;
  effective_expired: boolean | null;
  effective_next_reaction_at: Date | string | null;
  ti_explanation: StoredExplanation | null;
  ti_suppressed: boolean | null;
  ti_reasons: SuppressionReason[] | null;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** Reads the stored score, confidence, explanation and suppression of a catalog indicator for the tenant. */
export async function getIndicatorScore({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<IndicatorScoreView> {
  authorizeAction(ctx, "indicator.read");
  const row = await inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<Row>(sql`
      select i.id, i.type, i.value::text as value, i.score, i.score_confidence, i.score_expired,
        i.score_next_reaction_at, ${catalogExplanation(sql`i`)} as score_explanation, i.scored_at, i.suppressed, i.suppression_reasons,
        ti.status as ti_status, ti.effective_score, ti.effective_expired, ti.effective_next_reaction_at,
        ti.score_explanation as ti_explanation, ti.suppressed as ti_suppressed, ti.suppression_reasons as ti_reasons
      from indicators i
      left join tenant_indicators ti on ti.tenant_id = ${ctx.tenant.tenantId} and ti.indicator_id = i.id
      where i.id = ${input.id}`);
    return rows[0];
  });
  if (row === undefined) throw new AppError("NOT_FOUND", "No such indicator");
  const global: IndicatorScoreView["global"] = {
    score: row.score,
    expired: row.score_expired,
    nextReactionAt: iso(row.score_next_reaction_at),
    explanation: row.score_explanation,
    suppressed: row.suppressed,
    suppressionReasons: row.suppression_reasons,
    scoredAt: iso(row.scored_at),
  };
  const tenant: ScoreSide | null =
    row.effective_score === null || row.ti_status === null
      ? null
      : {
          score: row.effective_score,
          expired: row.effective_expired === true,
          nextReactionAt: iso(row.effective_next_reaction_at),
          explanation: row.ti_explanation,
          suppressed: row.ti_suppressed === true,
          suppressionReasons: row.ti_reasons ?? [],
        };
  const shown = tenant ?? global;
  return {
    indicatorId: row.id,
    type: row.type,
    value: row.value,
    score: shown.score,
    confidence: row.score_confidence,
    expired: shown.expired,
    suppressed: shown.suppressed,
    suppressionReasons: shown.suppressionReasons,
    summary: shown.explanation?.summary ?? null,
    status: row.ti_status ?? (row.suppressed ? "allowlisted" : row.score_expired ? "expired" : "new"),
    global,
    tenant,
  };
}
