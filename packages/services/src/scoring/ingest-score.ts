import type {
  DbTransaction,
  IndicatorScoreColumns,
  IndicatorUpsertRow,
  ObservationUpsertRow,
} from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import { type Reliability, type ScoringModel, scoreIndicator } from "@threatfusion/scoring";
import { matchWarninglists } from "../warninglists/match.ts";
import { storedExplanation } from "./catalog-score.ts";
import { type ScoringInputRow, toScoringInput } from "./inputs.ts";

/** The source a group of catalog rows came from (read from the feed's row, never from the message). */
export interface IngestSource {
  sourceId: string;
  sourceName: string;
  reliability: Reliability;
}

/** Rows of one chunk as the consumer is about to upsert them, with the source that sent them. */
export interface IngestRows {
  source: IngestSource;
  indicators: IndicatorUpsertRow[];
  observations: ObservationUpsertRow[];
}

const keyOf = (type: string, value: string) => `${type}\u0000${value}`;

type StoredObservation = ScoringInputRow["observations"][number];

/** Epoch ms as the re-score reads it back (`floor(extract(epoch from …) * 1000)`). */
function epochMs(value: Date | string): number {
  return typeof value === "string" ? Date.parse(value) : value.getTime();
}

function sourceConfidence(context: Record<string, unknown> | undefined): number | null {
  const stated = context?.confidence;
  return typeof stated === "number" && Number.isFinite(stated) ? stated : null;
}

/**
 * Scores catalog rows in the consumer, before the upsert, with what the rows carry (every observation of the
 * key in these chunks with its source's reliability, tags, threat type and malware family, dates; warninglist
 * match through the candidate-entry index) and attaches the result as `score` to each indicator row. The
 * upsert writes it only into rows it INSERTS, so a new catalog row is written once, already scored. The input
 * is built exactly as the stored re-score builds it (`toScoringInput` over the same fields), so the next
 * re-score of an unchanged new row finds nothing to write. Rows that already existed keep their stored score
 * and are re-scored set-based by the scoring stage (their inputs changed: another source, new dates).
 * No global feedback exists for a row that is not stored yet.
 */
export async function scoreRowsBeforeUpsert(
  tx: DbTransaction,
  groups: readonly IngestRows[],
  options: { now: number; model: ScoringModel },
): Promise<{ scored: number }> {
  const byKey = new Map<string, ScoringInputRow & { observationsBySource: Map<string, StoredObservation> }>();
  for (const group of groups) {
    for (const row of group.indicators) {
      if (!(row.type in options.model.types)) continue;
      const key = keyOf(row.type, row.value);
      const known = byKey.get(key);
      if (known === undefined) {
        byKey.set(key, {
          id: "",
          type: row.type as IndicatorType,
          value: row.value,
          tags: [...(row.tags ?? [])],
          observations: [],
          observationsBySource: new Map(),
          false_positive_tenants: null,
          true_positive_tenants: null,
        });
      } else if (row.tags !== undefined && row.tags.length > 0) known.tags.push(...row.tags);
    }
    for (const observation of group.observations) {
      const entry = byKey.get(keyOf(observation.indicatorType, observation.indicatorValue));
      if (entry === undefined) continue;
      const firstSeen = epochMs(observation.firstSeen);
      const lastSeen = epochMs(observation.lastSeen);
      const same = entry.observationsBySource.get(observation.sourceId);
      if (same === undefined) {
        const stored: StoredObservation = {
          sourceId: observation.sourceId,
          sourceName: group.source.sourceName,
          reliability: group.source.reliability,
          firstSeen: Math.min(firstSeen, lastSeen),
          lastSeen: Math.max(firstSeen, lastSeen),
          malwareFamily: observation.malwareFamily ?? null,
          threatType: observation.threatType ?? null,
          sourceConfidence: sourceConfidence(observation.context),
        };
        entry.observationsBySource.set(observation.sourceId, stored);
        entry.observations.push(stored);
      } else {
        // The same source twice in one delivery: merged as upsertObservations merges (widest dates,
        // later context wins).
        same.firstSeen = Math.min(same.firstSeen, firstSeen);
        same.lastSeen = Math.max(same.lastSeen, lastSeen);
        same.malwareFamily = observation.malwareFamily ?? same.malwareFamily;
        same.threatType = observation.threatType ?? same.threatType;
        same.sourceConfidence = sourceConfidence(observation.context) ?? same.sourceConfidence;
      }
    }
  }
  if (byKey.size === 0) return { scored: 0 };

  const entries = [...byKey.values()];
  const matches = await matchWarninglists(tx, entries);
  // A feed's rows mostly share type, source, context and dates: the explanation (the costly part) is built
  // once per distinct single-source input.
  const memo = new Map<string, Omit<IndicatorScoreColumns, "suppressed" | "reasons">>();
  const columns = new Map<string, IndicatorScoreColumns>();
  entries.forEach((entry, index) => {
    const { input } = toScoringInput(entry);
    const only = entry.observations.length === 1 ? entry.observations[0] : undefined;
    const memoKey =
      only === undefined
        ? undefined
        : [
            entry.type,
            only.sourceId,
            only.reliability,
            only.sourceConfidence,
            only.firstSeen,
            only.lastSeen,
            input.context?.kinds?.join(",") ?? "",
            input.context?.malwareFamilies?.join(",") ?? "",
          ].join("|");
    let numbers = memoKey === undefined ? undefined : memo.get(memoKey);
    if (numbers === undefined) {
      const result = scoreIndicator({ ...input, now: options.now }, options.model);
      numbers = {
        score: result.score,
        confidence: result.confidence,
        base: result.baseScore,
        decayStart: result.decayStart,
        expired: result.expired,
        nextReactionAt: result.nextReactionAt,
        explanation: JSON.stringify(storedExplanation(result)),
      };
      if (memoKey !== undefined) memo.set(memoKey, numbers);
    }
    const match = matches[index] ?? { suppressed: false, reasons: [] };
    columns.set(keyOf(entry.type, entry.value), {
      ...numbers,
      suppressed: match.suppressed,
      reasons: JSON.stringify(match.reasons),
    });
  });
  for (const group of groups) {
    for (const row of group.indicators) {
      const score = columns.get(keyOf(row.type, row.value));
      if (score !== undefined) row.score = score;
    }
  }
  return { scored: columns.size };
}
