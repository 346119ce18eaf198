import { type DbTransaction, ExplanationSet, numberArrayLiteral, textArrayLiteral } from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import {
  type Reliability,
  type ScoreResult,
  type ScoringModel,
  type SuppressionMatch,
  type SuppressionReason,
  scoreAt,
  scoreIndicator,
} from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { matchWarninglists } from "../warninglists/match.ts";
import { type CatalogScoringInput, type ScoringInputRow, toScoringInput } from "./inputs.ts";

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

/** A catalog row as read for re-scoring: the scoring inputs plus the stored result. */
export interface StoredRow extends ScoringInputRow {
  score: number;
  score_confidence: number | null;
  score_base: number | null;
  decay_start_ms: number | null;
  score_expired: boolean;
  next_reaction_ms: number | null;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  scored: boolean;
  /** The stored suppression was decided after the last warninglist change (a row's value never changes). */
  suppression_current: boolean;
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
  // Most rows match no list: no arrays to build for them.
  if (a.length === 0) return true;
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
  // One statement reads the inputs and the stored result; warninglists are matched only for rows whose
  // stored suppression predates the last list change (new rows, a sweep after a refresh), not at every
  // decay reaction point.
  const rows = await readStoredRows(tx, indicatorIds);
  const stored = rows.filter((row) => row.type in options.model.types);
  if (stored.length === 0) return stats;
  const inputs = stored.map(toScoringInput);
  const toMatch = stored.filter((row) => !row.suppression_current);
  const fresh = await matchWarninglists(tx, toMatch);
  const matchOf = new Map<string, SuppressionMatch>();
  toMatch.forEach((row, i) => {
    matchOf.set(row.id, fresh[i] ?? { suppressed: false, reasons: [] });
  });

  const changes = judgeStoredRows(stored, inputs, matchOf, options, stats);
  stats.changed = changes.length;
  stats.changedIds = changes.map((change) => change.id);
  if (changes.length > 0) await writeCatalogScores(tx, changes, options.now);
  return stats;
}

/**
 * Re-scores stored rows with the engine and returns the rows whose stored result must be written: any
 * stored number, the expiry, or the suppression with its reasons changed (the explanation is built only for
 * those). `matchOf` holds fresh warninglist matches; a row without one keeps its stored suppression. Counts
 * examined rows and active-set changes into `stats`. The id path's loop over `judgeStoredRow`.
 */
export function judgeStoredRows(
  stored: readonly StoredRow[],
  inputs: readonly CatalogScoringInput[],
  matchOf: ReadonlyMap<string, SuppressionMatch>,
  options: { now: number; model: ScoringModel },
  stats: CatalogScoreStats,
): CatalogScoreChange[] {
  const changes: CatalogScoreChange[] = [];
  inputs.forEach((row, i) => {
    stats.examined++;
    const before = stored[i];
    if (before === undefined) return;
    const change = judgeStoredRow(before, row, matchOf.get(row.id), options, stats);
    if (change !== null) changes.push(change);
  });
  return changes;
}

/**
 * Re-scores one stored row: null when its stored result stands, else the change to write (with its
 * explanation). `fresh`: a fresh warninglist match; without one the stored suppression stands. Counts an
 * active-set change into `stats` (not the row itself: callers count what they examine). Shared by the id path
 * (`judgeStoredRows`) and the range pass, which judges each row as soon as its lines are parsed.
 */
export function judgeStoredRow(
  before: StoredRow,
  row: CatalogScoringInput,
  fresh: SuppressionMatch | undefined,
  options: { now: number; model: ScoringModel },
  stats: CatalogScoreStats,
): CatalogScoreChange | null {
  // Numbers first, without the explanation: most re-scored rows do not change.
  const result = scoreAt(row.input, options.now, options.model, false);
  const suppressed = fresh === undefined ? before.suppressed : fresh.suppressed;
  const reasons = fresh === undefined ? before.suppression_reasons : fresh.reasons;
  if (
    before.scored &&
    before.score === result.score &&
    before.score_confidence === result.confidence &&
    before.score_expired === result.expired &&
    before.next_reaction_ms === result.nextReactionAt &&
    before.decay_start_ms === result.decayStart &&
    before.score_base !== null &&
    Math.abs(before.score_base - result.baseScore) < 0.05 &&
    before.suppressed === suppressed &&
    (fresh === undefined || sameReasons(before.suppression_reasons, reasons))
  ) {
    return null;
  }
  const explained = scoreIndicator({ ...row.input, now: options.now }, options.model);
  const visible =
    !before.scored ||
    before.score !== result.score ||
    before.score_confidence !== result.confidence ||
    before.score_expired !== result.expired ||
    before.suppressed !== suppressed;
  const membership =
    before.scored && (before.score_expired !== result.expired || before.suppressed !== suppressed);
  if (membership) stats.membershipChanged++;
  return {
    id: row.id,
    score: result.score,
    confidence: result.confidence,
    base: result.baseScore,
    decayStart: result.decayStart,
    expired: result.expired,
    nextReactionAt: result.nextReactionAt,
    explanation: JSON.stringify(storedExplanation(explained)),
    suppressed,
    // Stored reasons stay as they are unless a fresh match decided them: the range pass does not read them.
    reasons: fresh === undefined ? null : JSON.stringify(reasons),
    visible,
  };
}

interface FlatRow extends Record<string, unknown> {
  id: string;
  type: IndicatorType;
  value: string;
  tags: string[];
  score: number;
  score_confidence: number | null;
  score_base: number | null;
  score_expired: boolean;
  suppressed: boolean;
  suppression_reasons: SuppressionReason[];
  decay_start_ms: number | null;
  next_reaction_ms: number | null;
  scored: boolean;
  suppression_current: boolean;
  source_id: string | null;
  source_name: string | null;
  reliability: Reliability | null;
  first_ms: number | null;
  last_ms: number | null;
  malware_family: string | null;
  threat_type: string | null;
  source_confidence: number | null;
  false_positive_tenants: number | null;
  true_positive_tenants: number | null;
}

/**
 * Reads the scoring inputs and the stored result of catalog rows as one flat join (a row per observation,
 * plain columns, epoch ms numbers) grouped here: measured faster than aggregating observations into JSON
 * per indicator in SQL (`packages/services/bench/rescore-db.ts`, "raw read" lines).
 */
async function readStoredRows(tx: DbTransaction, indicatorIds: readonly string[]): Promise<StoredRow[]> {
  const ids = textArrayLiteral([...indicatorIds]);
  const { rows } = await tx.execute<FlatRow>(sql`
    select i.id, i.type, i.value::text as value, i.tags, i.score, i.score_confidence, i.score_base,
      i.score_expired, i.suppressed, i.suppression_reasons,
      round(extract(epoch from i.score_decay_start) * 1000)::float8 as decay_start_ms,
      round(extract(epoch from i.score_next_reaction_at) * 1000)::float8 as next_reaction_ms,
      i.scored_at is not null as scored,
      coalesce(i.scored_at >= (select max(greatest(w.imported_at, w.updated_at)) from warninglists w),
        i.scored_at is not null) as suppression_current,
      o.source_id, s.name as source_name, s.reliability,
      -- Epoch ms, truncated as Date.parse would.
      floor(extract(epoch from o.first_seen) * 1000)::float8 as first_ms,
      floor(extract(epoch from o.last_seen) * 1000)::float8 as last_ms,
      o.malware_family, o.threat_type,
      case when jsonb_typeof(o.context -> 'confidence') = 'number'
           then (o.context ->> 'confidence')::float8 end as source_confidence,
      f.false_positive_tenants, f.true_positive_tenants
    from indicators i
    left join observations o on o.indicator_id = i.id
    left join sources s on s.id = o.source_id
    left join tf_feedback_counts(${ids}::text[]) f on f.indicator_id = i.id
    where i.id = any(${ids}::text[])`);
  const byId = new Map<string, StoredRow>();
  for (const row of rows) {
    let stored = byId.get(row.id);
    if (stored === undefined) {
      stored = {
        id: row.id,
        type: row.type,
        value: row.value,
        tags: row.tags,
        observations: [],
        false_positive_tenants: row.false_positive_tenants,
        true_positive_tenants: row.true_positive_tenants,
        score: row.score,
        score_confidence: row.score_confidence,
        score_base: row.score_base,
        decay_start_ms: row.decay_start_ms,
        score_expired: row.score_expired,
        next_reaction_ms: row.next_reaction_ms,
        suppressed: row.suppressed,
        suppression_reasons: row.suppression_reasons,
        scored: row.scored,
        suppression_current: row.suppression_current,
      };
      byId.set(row.id, stored);
    }
    if (row.source_id !== null && row.first_ms !== null && row.last_ms !== null) {
      stored.observations.push({
        sourceId: row.source_id,
        sourceName: row.source_name ?? "",
        reliability: row.reliability ?? "F",
        firstSeen: row.first_ms,
        lastSeen: row.last_ms,
        malwareFamily: row.malware_family,
        threatType: row.threat_type,
        sourceConfidence: row.source_confidence,
      });
    }
  }
  return [...byId.values()];
}

/** One changed catalog row, in the column order of the typed arrays `writeCatalogScores` sends. */
export interface CatalogScoreChange {
  id: string;
  score: number;
  confidence: number;
  base: number;
  decayStart: number;
  expired: boolean;
  nextReactionAt: number | null;
  /** JSON text of the explanation (stored once per distinct text: `ExplanationSet`). */
  explanation: string;
  suppressed: boolean;
  /** JSON text of the suppression reasons; null keeps the stored ones (no fresh warninglist match). */
  reasons: string | null;
  /** Moves `updated_at` (score, confidence, expiry or suppression changed). */
  visible: boolean;
}

/** Whole epoch ms, truncated as `Date` does (the times are whole already: observation times and decay steps). */
const wholeMs = (ms: number | null) => (ms === null ? null : Math.trunc(ms));

/**
 * Writes changed rows with one `UPDATE … FROM unnest(typed arrays)`: one array parameter per column, no
 * per-row JSON object to build or parse (measured against `json_to_recordset` in
 * `packages/services/bench/rescore-db.ts`). Times go as epoch ms numbers, made timestamps by `to_timestamp`
 * (exact to the millisecond for every stored time of the bench's catalog, checked in psql): an ISO text per
 * time cost Node ~1.4 µs to make and PostgreSQL no less to parse.
 */
export async function writeCatalogScores(
  tx: DbTransaction,
  changes: readonly CatalogScoreChange[],
  now: number,
): Promise<void> {
  const numbers = (pick: (change: CatalogScoreChange) => number | null) =>
    numberArrayLiteral(changes.map(pick));
  const texts = (pick: (change: CatalogScoreChange) => string | null) => textArrayLiteral(changes.map(pick));
  const flags = (pick: (change: CatalogScoreChange) => boolean) =>
    textArrayLiteral(changes.map((change) => (pick(change) ? "t" : "f")));
  const explanations = new ExplanationSet();
  const explanationNumbers = changes.map((change) => explanations.add(change.explanation));
  await tx.execute(sql`
    with ${explanations.withItems()}
    update indicators i set
      score = u.score, score_confidence = u.confidence, score_base = u.base,
      score_decay_start = to_timestamp(u.decay_start / 1000), score_expired = u.expired,
      score_next_reaction_at = to_timestamp(u.next_reaction_at / 1000),
      score_explanation_id = explanation_ids.ids[u.explanation],
      suppressed = u.suppressed, suppression_reasons = coalesce(u.reasons, i.suppression_reasons), scored_at = ${new Date(now).toISOString()}::timestamptz,
      -- Never backwards: since-cursors rely on a change moving the row forward.
      updated_at = case when u.visible then greatest(now(), i.updated_at + interval '1 microsecond') else i.updated_at end
    from explanation_ids, unnest(${texts((c) => c.id)}::text[], ${numbers((c) => c.score)}::smallint[],
      ${numbers((c) => c.confidence)}::smallint[], ${numbers((c) => c.base)}::real[],
      ${numbers((c) => wholeMs(c.decayStart))}::float8[], ${flags((c) => c.expired)}::boolean[],
      ${numbers((c) => wholeMs(c.nextReactionAt))}::float8[], ${numberArrayLiteral(explanationNumbers)}::int[],
      ${flags((c) => c.suppressed)}::boolean[], ${texts((c) => c.reasons)}::jsonb[],
      ${flags((c) => c.visible)}::boolean[])
      as u(id, score, confidence, base, decay_start, expired, next_reaction_at, explanation, suppressed, reasons,
        visible)
    where i.id = u.id`);
}
