import {
  ByIndicatorKey,
  type DbTransaction,
  type IndicatorScoreColumns,
  type IndicatorUpsertRow,
  type ObservationUpsertRow,
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

/** A key's scoring input as the consumer gathers it from a delivery, and the columns scored for it. */
interface IngestEntry extends ScoringInputRow {
  score: IndicatorScoreColumns | undefined;
  /**
   * Whether `observations` (the list and its objects) is this entry's own. Entries whose one observation equals
   * the previous new entry's share that list, copied before a repeat changes it.
   */
  ownObservations: boolean;
}

type IngestObservation = ScoringInputRow["observations"][number];

/** Entries start with this list (never changed: the first observation replaces it). */
const noObservations: IngestObservation[] = [];

interface ScoredInput {
  numbers: Omit<IndicatorScoreColumns, "suppressed" | "reasons">;
  /** The columns of a row no list matched, shared by every such row of this input. */
  unsuppressed: IndicatorScoreColumns;
}

const noReasons = JSON.stringify([]);
const noTags: string[] = [];

/**
 * The inputs that decide a single-source row's score (everything `toScoringInput` reads, but the value:
 * scores do not depend on it, and new rows carry no feedback), or undefined for a row with more sources.
 */
function singleSourceKey(entry: IngestEntry): string | undefined {
  const only = singleSource(entry);
  if (only === undefined) return undefined;
  return `${entry.type}|${only.sourceId}|${only.reliability}|${only.sourceConfidence}|${only.firstSeen}|${only.lastSeen}|${only.threatType ?? ""}|${only.malwareFamily ?? ""}|${entry.tags.join("\u001f")}`;
}

/** The entry's one observation when its score depends on that source alone (no other source, no feedback). */
function singleSource(entry: IngestEntry): IngestEntry["observations"][number] | undefined {
  const only = entry.observations.length === 1 ? entry.observations[0] : undefined;
  return only !== undefined && entry.false_positive_tenants === null && entry.true_positive_tenants === null
    ? only
    : undefined;
}

/** Gives the entry a list and observation objects of its own before they change (see `ownObservations`). */
function ownObservations(entry: IngestEntry): void {
  entry.observations = entry.observations.map((observation) => ({ ...observation }));
  entry.ownObservations = true;
}

/**
 * Epoch ms as the re-score reads it back (`floor(extract(epoch from …) * 1000)`). A delivery's rows share a few
 * timestamps: the last text parsed is remembered (`Date.parse` per observation date was ~3 % of the consumer's
 * samples in workerd).
 */
function epochMs(value: Date | string, last: { text: string; ms: number }): number {
  if (typeof value !== "string") return value.getTime();
  if (value !== last.text) {
    last.text = value;
    last.ms = Date.parse(value);
  }
  return last.ms;
}

/**
 * Whether two entries have the same single-source scoring input (what `singleSourceKey` spells out), compared
 * field by field: a feed's consecutive rows nearly always do, and then no key text is built for the row.
 */
function sameSingleSourceInput(a: IngestEntry, b: IngestEntry): boolean {
  const x = singleSource(a);
  const y = singleSource(b);
  return (
    x !== undefined &&
    y !== undefined &&
    a.type === b.type &&
    a.tags.length === 0 &&
    b.tags.length === 0 &&
    x.sourceId === y.sourceId &&
    x.reliability === y.reliability &&
    x.sourceConfidence === y.sourceConfidence &&
    x.firstSeen === y.firstSeen &&
    x.lastSeen === y.lastSeen &&
    (x.threatType ?? "") === (y.threatType ?? "") &&
    (x.malwareFamily ?? "") === (y.malwareFamily ?? "")
  );
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
  const byKey = new ByIndicatorKey<IngestEntry>();
  const entries: IngestEntry[] = [];
  const lastDate = { text: "", ms: Number.NaN };
  // The last list made for a new entry's first observation, which the next entries share while theirs is equal.
  let sharedObservations: { only: IngestObservation; list: IngestObservation[] } | undefined;
  // Per group, each indicator row's entry (undefined: a type the model does not score), for the last step.
  const rowEntries: (IngestEntry | undefined)[][] = [];
  for (const group of groups) {
    const entryOfRow: (IngestEntry | undefined)[] = [];
    rowEntries.push(entryOfRow);
    for (const row of group.indicators) {
      if (!(row.type in options.model.types)) {
        entryOfRow.push(undefined);
        continue;
      }
      const known = byKey.get(row.type, row.value);
      entryOfRow.push(known);
      if (known === undefined) {
        const entry: IngestEntry = {
          id: "",
          type: row.type as IndicatorType,
          value: row.value,
          // Rows without tags share one empty list, replaced (never changed) when a repeat brings some.
          tags: row.tags === undefined || row.tags.length === 0 ? noTags : [...row.tags],
          observations: noObservations,
          false_positive_tenants: null,
          true_positive_tenants: null,
          score: undefined,
          ownObservations: false,
        };
        byKey.add(row.type, row.value, entry);
        entries.push(entry);
        entryOfRow[entryOfRow.length - 1] = entry;
      } else if (row.tags !== undefined && row.tags.length > 0)
        known.tags = known.tags === noTags ? [...row.tags] : [...known.tags, ...row.tags];
    }
    for (let index = 0; index < group.observations.length; index++) {
      const observation = group.observations[index];
      if (observation === undefined) continue;
      // The consumer's rows come in pairs (indicator i, its observation i): then the entry is known.
      const paired = group.indicators[index];
      const entry =
        paired !== undefined &&
        paired.value === observation.indicatorValue &&
        paired.type === observation.indicatorType
          ? entryOfRow[index]
          : byKey.get(observation.indicatorType, observation.indicatorValue);
      if (entry === undefined) continue;
      const firstSeen = epochMs(observation.firstSeen, lastDate);
      const lastSeen = epochMs(observation.lastSeen, lastDate);
      // A key has one observation per source, nearly always one in all: a scan, not a map per key.
      let same = entry.observations.find((stored) => stored.sourceId === observation.sourceId);
      if (same === undefined) {
        const from = Math.min(firstSeen, lastSeen);
        const to = Math.max(firstSeen, lastSeen);
        const family = observation.malwareFamily ?? null;
        const threat = observation.threatType ?? null;
        const confidence = sourceConfidence(observation.context);
        const only = sharedObservations?.only;
        // A feed's rows mostly carry the same observation (source, dates, context): one list for all of them.
        if (
          entry.observations === noObservations &&
          sharedObservations !== undefined &&
          only !== undefined &&
          only.sourceId === observation.sourceId &&
          only.sourceName === group.source.sourceName &&
          only.reliability === group.source.reliability &&
          only.firstSeen === from &&
          only.lastSeen === to &&
          only.malwareFamily === family &&
          only.threatType === threat &&
          only.sourceConfidence === confidence
        ) {
          entry.observations = sharedObservations.list;
          continue;
        }
        const added: IngestObservation = {
          sourceId: observation.sourceId,
          sourceName: group.source.sourceName,
          reliability: group.source.reliability,
          firstSeen: from,
          lastSeen: to,
          malwareFamily: family,
          threatType: threat,
          sourceConfidence: confidence,
        };
        if (entry.observations === noObservations) {
          entry.observations = [added];
          sharedObservations = { only: added, list: entry.observations };
        } else {
          if (!entry.ownObservations) ownObservations(entry);
          entry.observations.push(added);
        }
      } else {
        if (!entry.ownObservations) {
          ownObservations(entry);
          same = entry.observations.find((stored) => stored.sourceId === observation.sourceId) ?? same;
        }
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
  if (entries.length === 0) return { scored: 0 };

  const matches = await matchWarninglists(tx, entries);
  // A feed's rows mostly share type, source, context and dates: the explanation (the costly part) is built
  // once per distinct single-source input, and unsuppressed rows of one input share one columns object.
  const memo = new Map<string, ScoredInput>();
  // The last single-source input scored per type: a feed that mixes types (IPs and domains, line by line)
  // alternates between a few inputs, which a single "previous" would miss on every row.
  const previousByType = new Map<string, { entry: IngestEntry; scored: ScoredInput }>();
  entries.forEach((entry, index) => {
    let scored: ScoredInput | undefined;
    const previous = previousByType.get(entry.type);
    if (previous !== undefined && sameSingleSourceInput(previous.entry, entry)) scored = previous.scored;
    const memoKey = scored === undefined ? singleSourceKey(entry) : undefined;
    if (memoKey !== undefined) scored = memo.get(memoKey);
    if (scored === undefined) {
      const result = scoreIndicator({ ...toScoringInput(entry).input, now: options.now }, options.model);
      const numbers = {
        score: result.score,
        confidence: result.confidence,
        base: result.baseScore,
        decayStart: result.decayStart,
        expired: result.expired,
        nextReactionAt: result.nextReactionAt,
        explanation: JSON.stringify(storedExplanation(result)),
      };
      scored = { numbers, unsuppressed: { ...numbers, suppressed: false, reasons: noReasons } };
      if (memoKey !== undefined) memo.set(memoKey, scored);
    }
    if (entry.observations.length === 1 && previous?.scored !== scored)
      previousByType.set(entry.type, { entry, scored });
    const match = matches[index];
    entry.score =
      match === undefined || (!match.suppressed && match.reasons.length === 0)
        ? scored.unsuppressed
        : { ...scored.numbers, suppressed: match.suppressed, reasons: JSON.stringify(match.reasons) };
  });
  groups.forEach((group, at) => {
    const entryOfRow = rowEntries[at] ?? [];
    group.indicators.forEach((row, index) => {
      const score = entryOfRow[index]?.score;
      if (score !== undefined) row.score = score;
    });
  });
  return { scored: entries.length };
}
