import type { ScoringModel } from "./model.ts";
import { scoreAt, type UnscoredInput } from "./score.ts";

/** What the database holds for an indicator's score (global row, or a tenant's overlay row). */
export interface StoredScore {
  score: number;
  expired: boolean;
  confidence: number;
  nextReactionAt: number | null;
}

export interface RescoreRow<Id = string> {
  id: Id;
  input: UnscoredInput;
  /** Null for a row never scored. */
  stored: StoredScore | null;
}

export interface RescoreChange<Id = string> extends StoredScore {
  id: Id;
  /** The indicator left the active set (blocklists must publish its removal) or came back. */
  expiryChanged: boolean;
}

export interface RescoreResult<Id = string> {
  examined: number;
  changes: RescoreChange<Id>[];
}

/**
 * Re-scores a batch at `now` and returns only the rows whose stored score, expiry, confidence or
 * next reaction time differ, so the writer updates only those. Used by the scheduled job at decay
 * reaction points and after an MSSP edits the model. Skips explanation building.
 */
export function rescoreBatch<Id>(
  rows: Iterable<RescoreRow<Id>>,
  model: ScoringModel,
  now: number,
): RescoreResult<Id> {
  const changes: RescoreChange<Id>[] = [];
  let examined = 0;
  for (const row of rows) {
    examined++;
    const result = scoreAt(row.input, now, model, false);
    const stored = row.stored;
    if (
      stored !== null &&
      stored.score === result.score &&
      stored.expired === result.expired &&
      stored.confidence === result.confidence &&
      stored.nextReactionAt === result.nextReactionAt
    ) {
      continue;
    }
    changes.push({
      id: row.id,
      score: result.score,
      expired: result.expired,
      confidence: result.confidence,
      nextReactionAt: result.nextReactionAt,
      expiryChanged: stored === null ? result.expired : stored.expired !== result.expired,
    });
  }
  return { examined, changes };
}

/** True when a stored row needs re-scoring at `now` because decay has reached its next reaction point. */
export function isDue(stored: StoredScore, now: number): boolean {
  return stored.nextReactionAt !== null && stored.nextReactionAt <= now;
}
