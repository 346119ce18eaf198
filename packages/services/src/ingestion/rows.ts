import type { IndicatorUpsertRow, ObservationUpsertRow, Tlp } from "@threatfusion/db";
import type { Reliability, ScoringModel } from "@threatfusion/scoring";
import { defaultScoringModel, scoreAt } from "@threatfusion/scoring";
import type { ChunkIndicator } from "./messages.ts";

/** What the consumer knows about the feed a chunk came from (read from the database, never the message). */
export interface FeedFacts {
  feedId: string;
  sourceId: string;
  sourceName: string;
  /** null: a global feed. */
  tenantId: string | null;
  reliability: Reliability;
  tlp: Tlp;
}

/** A private indicator row for `upsertPrivateIndicators`. */
export interface PrivateIndicatorRow {
  type: string;
  value: string;
  firstSeen: string;
  lastSeen: string;
  confidence: number | null;
  score: number;
  tlp: Tlp;
  tags: string[];
  description: string | null;
  context: Record<string, unknown>;
}

export interface RejectedIndicator {
  line: number;
  reason: string;
  raw: string;
}

const maxValueLength = 2048;
const tlps: ReadonlySet<string> = new Set(["clear", "green", "amber", "amber+strict", "red"]);

function validDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, 500) : null;
}

/**
 * The base score the feed alone justifies, from the scoring package: source reliability, the feed's own
 * confidence and its malware family. Time is left out (observedAt is the clock), so a replayed chunk scores
 * the same. The scoring stage re-scores touched indicators across all their sources.
 */
function baseScore(
  indicator: ChunkIndicator,
  facts: FeedFacts,
  observedAt: number,
  model: ScoringModel,
  memo: ScoreMemo,
): number {
  const family = stringOrNull(indicator.context.malwareFamily);
  // The last combination of this type first: no key text is built for a row that repeats it.
  const last = memo.lastByType.get(indicator.type);
  if (last !== undefined && last.confidence === indicator.confidence && last.family === family)
    return last.score;
  // A feed's rows mostly share type, confidence and family: score each combination once per chunk.
  const key = `${indicator.type}|${indicator.confidence ?? ""}|${family ?? ""}`;
  const known = memo.byKey.get(key);
  if (known !== undefined) {
    memo.lastByType.set(indicator.type, { confidence: indicator.confidence, family, score: known });
    return known;
  }
  const result = scoreAt(
    {
      type: indicator.type,
      observations: [
        {
          sourceId: facts.sourceId,
          sourceName: facts.sourceName,
          reliability: facts.reliability,
          ...(indicator.confidence === undefined ? {} : { sourceConfidence: indicator.confidence }),
          firstSeen: observedAt,
          lastSeen: observedAt,
        },
      ],
      ...(family ? { context: { malwareFamilies: [family] } } : {}),
    },
    observedAt,
    model,
    false,
  );
  const score = Math.max(0, Math.min(100, Math.round(result.baseScore)));
  memo.byKey.set(key, score);
  memo.lastByType.set(indicator.type, { confidence: indicator.confidence, family, score });
  return score;
}

/** Base scores already computed for one chunk, by type|confidence|family, and the last one per type. */
interface ScoreMemo {
  byKey: Map<string, number>;
  lastByType: Map<string, { confidence: number | undefined; family: string | null; score: number }>;
}

function newScoreMemo(): ScoreMemo {
  return { byKey: new Map(), lastByType: new Map() };
}

function indicatorTlp(indicator: ChunkIndicator, facts: FeedFacts): Tlp {
  const stated = typeof indicator.context.tlp === "string" ? indicator.context.tlp.toLowerCase() : undefined;
  return stated !== undefined && tlps.has(stated) ? (stated as Tlp) : facts.tlp;
}

function searchTerms(
  sourceOnly: readonly string[],
  malwareFamily: string | null,
  threatType: string | null,
): readonly string[] {
  // Most feed rows carry neither: they share one list (read only downstream; a merge builds a new one).
  if (malwareFamily === null && threatType === null) return sourceOnly;
  const terms = [...sourceOnly];
  if (malwareFamily !== null) terms.push(malwareFamily);
  if (threatType !== null) terms.push(threatType);
  return terms;
}

/** The context every row without one shares (read only downstream: a merge of contexts builds a new object). */
const noContext: Record<string, unknown> = Object.freeze({});

function hasKeys(object: Record<string, unknown>): boolean {
  for (const _ in object) return true;
  return false;
}

/** An indicator's identity in the catalog. */
export interface IndicatorKey {
  type: string;
  value: string;
}

export interface GlobalRows {
  indicators: IndicatorUpsertRow[];
  observations: ObservationUpsertRow[];
  /**
   * Per input position: the row's (type, value) (the message's own indicator, no copy), or null when the
   * row was rejected here.
   */
  keys: (IndicatorKey | null)[];
  rejected: RejectedIndicator[];
}

/**
 * Turns a chunk's parsed indicators into catalog rows (indicator + this source's observation). Rows the
 * bulk path would refuse (value too long) are rejected here, where the line number is still known.
 */
export function toGlobalRows(
  indicators: readonly ChunkIndicator[],
  facts: FeedFacts,
  observedAtIso: string,
  model: ScoringModel = defaultScoringModel,
): GlobalRows {
  const observedAt = Date.parse(observedAtIso);
  const memo = newScoreMemo();
  const out: GlobalRows = { indicators: [], observations: [], keys: [], rejected: [] };
  const sourceOnly: readonly string[] = [facts.sourceName];
  for (const indicator of indicators) {
    if (indicator.value.length > maxValueLength) {
      out.keys.push(null);
      out.rejected.push({
        line: indicator.line ?? 0,
        reason: `value longer than ${maxValueLength} characters`,
        raw: indicator.value.slice(0, 200),
      });
      continue;
    }
    const firstSeen = validDate(indicator.firstSeen) ?? validDate(indicator.lastSeen) ?? observedAtIso;
    const lastSeen = validDate(indicator.lastSeen) ?? observedAtIso;
    // A plain feed's rows carry no context: then no rest object per row.
    let family: string | null = null;
    let threat: string | null = null;
    let reference: string | null = null;
    let rest = noContext;
    if (hasKeys(indicator.context)) {
      const { malwareFamily, threatType, reference: stated, tlp: _tlp, ...others } = indicator.context;
      family = stringOrNull(malwareFamily);
      threat = stringOrNull(threatType);
      reference = stringOrNull(stated);
      if (hasKeys(others)) rest = others;
    }
    out.keys.push(indicator);
    out.indicators.push({
      type: indicator.type,
      value: indicator.value,
      firstSeen,
      lastSeen,
      confidence: indicator.confidence === undefined ? null : Math.round(indicator.confidence),
      baseScore: baseScore(indicator, facts, observedAt, model, memo),
      tlp: indicatorTlp(indicator, facts),
      tags: indicator.tags,
      // The search document of a new row: the terms of the observation written with it (below).
      searchTerms: searchTerms(sourceOnly, family, threat),
    });
    out.observations.push({
      indicatorType: indicator.type,
      indicatorValue: indicator.value,
      sourceId: facts.sourceId,
      firstSeen,
      lastSeen,
      malwareFamily: family,
      threatType: threat,
      reference,
      context: rest,
    });
  }
  return out;
}

/** The same for a tenant-private feed or an import: rows for `private_indicators`. */
export function toPrivateRows(
  indicators: readonly ChunkIndicator[],
  facts: Pick<FeedFacts, "sourceId" | "sourceName" | "reliability" | "tlp" | "feedId">,
  observedAtIso: string,
  model: ScoringModel = defaultScoringModel,
): { rows: PrivateIndicatorRow[]; keys: (string | null)[]; rejected: RejectedIndicator[] } {
  const observedAt = Date.parse(observedAtIso);
  const memo = newScoreMemo();
  const rows: PrivateIndicatorRow[] = [];
  const keys: (string | null)[] = [];
  const rejected: RejectedIndicator[] = [];
  for (const indicator of indicators) {
    if (indicator.value.length > maxValueLength) {
      keys.push(null);
      rejected.push({
        line: indicator.line ?? 0,
        reason: `value longer than ${maxValueLength} characters`,
        raw: indicator.value.slice(0, 200),
      });
      continue;
    }
    const firstSeen = validDate(indicator.firstSeen) ?? validDate(indicator.lastSeen) ?? observedAtIso;
    const lastSeen = validDate(indicator.lastSeen) ?? observedAtIso;
    keys.push(`${indicator.type}\u0000${indicator.value}`);
    rows.push({
      type: indicator.type,
      value: indicator.value,
      firstSeen,
      lastSeen,
      confidence: indicator.confidence === undefined ? null : Math.round(indicator.confidence),
      score: baseScore(indicator, { ...facts, tenantId: null }, observedAt, model, memo),
      tlp: indicatorTlp(indicator, { ...facts, tenantId: null }),
      tags: indicator.tags,
      description: stringOrNull(indicator.context.description),
      context: { ...indicator.context, feedId: facts.feedId },
    });
  }
  return { rows, keys, rejected };
}
