import type { DbTransaction } from "@threatfusion/db";
import {
  type ScoreResult,
  type ScoringModel,
  type SuppressionReason,
  scoreIndicator,
} from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { matchWarninglists } from "../warninglists/match.ts";
import { loadScoringInputs } from "./inputs.ts";

/** What a global re-score did: how many rows it read and how many it had to write. */
export interface CatalogScoreStats {
  examined: number;
  /** Rows written (any stored number, the explanation's inputs or the suppression changed). */
  changed: number;
  /** Rows that left or re-entered the active set (expiry or suppression flipped): blocklists publish these. */
  membershipChanged: number;
  /** Ids of the rows written: tenants holding state about them re-score their overlays. */
  changedIds: string[];
}

interface StoredRow extends Record<string, unknown> {
  id: string;
  score: number;
  score_confidence: number | null;
  score_base: number | null;
  decay_start_ms: number | null;
  score_expired: boolean;
  next_reaction_ms: number | null;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  scored: boolean;
}

/** The explanation as stored (and shown by the API): the factors, their weights and the summary. */
export interface StoredExplanation {
  summary: string;
  factors: ScoreResult["explanation"]["factors"];
  clauses: string[];
  independentSources: number;
  liveScore: number;
}

export function storedExplanation(result: ScoreResult): StoredExplanation {
  return {
    summary: result.explanation.summary,
    factors: result.explanation.factors,
    clauses: result.explanation.clauses,
    independentSources: result.independentSources,
    liveScore: result.liveScore,
  };
}

function sameReasons(a: readonly SuppressionReason[], b: readonly SuppressionReason[]): boolean {
  if (a.length !== b.length) return false;
  const key = (reason: SuppressionReason) => `${reason.listId}\u0000${reason.entry}\u0000${reason.effect}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((value, i) => value === right[i]);
}

/**
 * Scores catalog indicators globally and writes only the rows whose stored result changed: confidence
 * across all sources, the score (stepped at reaction points, 0 once expired), the next reaction time, the
 * explanation, and the warninglist suppression with its reasons. Run as tf_ingest (`withIngestTx`). A row
 * whose score, confidence, expiry or suppression changed also gets a new `updated_at`, so TAXII
 * `added_after` and blocklist `since` readers see it (an expired or suppressed indicator leaves the set).
 */
export async function scoreCatalogIndicators(
  tx: DbTransaction,
  indicatorIds: readonly string[],
  options: { now: number; model: ScoringModel },
): Promise<CatalogScoreStats> {
  const stats: CatalogScoreStats = { examined: 0, changed: 0, membershipChanged: 0, changedIds: [] };
  if (indicatorIds.length === 0) return stats;
  const inputs = (await loadScoringInputs(tx, indicatorIds)).filter((row) => row.type in options.model.types);
  if (inputs.length === 0) return stats;
  const { rows: storedRows } = await tx.execute<StoredRow>(sql`
    select id, score, score_confidence, score_base, score_expired, suppressed, suppression_reasons,
      round(extract(epoch from score_decay_start) * 1000)::float8 as decay_start_ms,
      round(extract(epoch from score_next_reaction_at) * 1000)::float8 as next_reaction_ms,
      scored_at is not null as scored
    from indicators where id = any(${sql.param(inputs.map((row) => row.id))}::text[])`);
  const stored = new Map(storedRows.map((row) => [row.id, row]));
  const matches = await matchWarninglists(tx, inputs);

  const changes: Record<string, unknown>[] = [];
  inputs.forEach((row, i) => {
    stats.examined++;
    const result = scoreIndicator({ ...row.input, now: options.now }, options.model);
    const match = matches[i] ?? { suppressed: false, reasons: [] };
    const before = stored.get(row.id);
    if (
      before?.scored === true &&
      before.score === result.score &&
      before.score_confidence === result.confidence &&
      before.score_expired === result.expired &&
      before.next_reaction_ms === result.nextReactionAt &&
      before.decay_start_ms === result.decayStart &&
      before.score_base !== null &&
      Math.abs(before.score_base - result.baseScore) < 0.05 &&
      before.suppressed === match.suppressed &&
      sameReasons(before.suppression_reasons, match.reasons)
    ) {
      return;
    }
    const visible =
      before === undefined ||
      before.score !== result.score ||
      before.score_confidence !== result.confidence ||
      before.score_expired !== result.expired ||
      before.suppressed !== match.suppressed;
    const membership =
      before !== undefined &&
      (before.score_expired !== result.expired || before.suppressed !== match.suppressed);
    if (membership) stats.membershipChanged++;
    changes.push({
      id: row.id,
      score: result.score,
      confidence: result.confidence,
      base: result.baseScore,
      decay_start: new Date(result.decayStart).toISOString(),
      expired: result.expired,
      next_reaction_at: result.nextReactionAt === null ? null : new Date(result.nextReactionAt).toISOString(),
      explanation: storedExplanation(result),
      suppressed: match.suppressed,
      reasons: match.reasons,
      visible,
    });
  });
  stats.changed = changes.length;
  stats.changedIds = changes.map((change) => String(change.id));
  if (changes.length > 0) await writeCatalogScores(tx, changes, options.now);
  return stats;
}

async function writeCatalogScores(
  tx: DbTransaction,
  changes: Record<string, unknown>[],
  now: number,
): Promise<void> {
  await tx.execute(sql`
    update indicators i set
      score = u.score, score_confidence = u.confidence, score_base = u.base, score_decay_start = u.decay_start,
      score_expired = u.expired, score_next_reaction_at = u.next_reaction_at, score_explanation = u.explanation,
      suppressed = u.suppressed, suppression_reasons = u.reasons, scored_at = ${new Date(now).toISOString()}::timestamptz,
      -- Never backwards: since-cursors rely on a change moving the row forward.
      updated_at = case when u.visible then greatest(now(), i.updated_at + interval '1 microsecond') else i.updated_at end
    from json_to_recordset(${JSON.stringify(changes)}::json) as u(
      id text, score smallint, confidence smallint, base real, decay_start timestamptz, expired boolean,
      next_reaction_at timestamptz, explanation jsonb, suppressed boolean, reasons jsonb, visible boolean)
    where i.id = u.id`);
}
