import type { IndicatorScoreColumns, IndicatorUpsertRow, ObservationUpsertRow } from "@threatfusion/db";

/**
 * The synthetic catalog the search benches load: row `i` is a public IPv4 (from 11.0.0.0, even rows) or a
 * domain under `domain` (odd rows), every value unique, so runs of different sizes share their first rows.
 */
export function syntheticIndicator(i: number, domain: string): { type: "ipv4" | "domain"; value: string } {
  if (i % 2 === 0) {
    const n = Math.floor(i / 2) + 16_777_216 * 11;
    return { type: "ipv4", value: `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}` };
  }
  return { type: "domain", value: `h${i.toString(36)}.${domain}` };
}

/**
 * What the ingestion consumer stores as a feed row's explanation (scoring's explanation of a one-source domain,
 * 433 bytes), for the benches that write rows as the consumer does (`write-path.ts`, `bench:ingest:floor`).
 */
export const feedRowExplanation = JSON.stringify({
  summary: "score 41: reported (Bench feed, reliability C)",
  factors: [
    {
      key: "confidence",
      label: "Confidence",
      weight: 0.9,
      contribution: 40.5,
      detail: "confidence 45 from 1 independent source × domain weight 0.9",
    },
    { key: "decay", label: "Age", weight: 1.012, contribution: 0.5, detail: "0 days since last evidence" },
  ],
  clauses: ["reported (Bench feed, reliability C)"],
  independentSources: 1,
  liveScore: 40.5,
});

/** The score the consumer writes with a new feed row (scored before the upsert), with `explanation`'s text. */
export function consumerScore(now: string, explanation: string): IndicatorScoreColumns {
  return {
    score: 41,
    confidence: 45,
    base: 40.5,
    decayStart: Date.parse(now),
    expired: false,
    nextReactionAt: Date.parse(now) + 86_400_000,
    explanation,
    suppressed: false,
    reasons: "[]",
  };
}

/**
 * Catalog and observation rows for lines [from, to) as a consumer sends them: one observation from `sourceId`
 * per row; `extra` adds what differs between benches (tags, search terms, a score).
 */
export function feedRows(
  from: number,
  to: number,
  valueAt: (i: number) => { type: "ipv4" | "domain"; value: string },
  sourceId: string,
  now: string,
  extra: (i: number) => Partial<IndicatorUpsertRow>,
): { indicators: IndicatorUpsertRow[]; observations: ObservationUpsertRow[] } {
  const indicators: IndicatorUpsertRow[] = [];
  const observations: ObservationUpsertRow[] = [];
  for (let i = from; i < to; i++) {
    const { type, value } = valueAt(i);
    indicators.push({ type, value, firstSeen: now, lastSeen: now, baseScore: 40, tlp: "clear", ...extra(i) });
    observations.push({
      indicatorType: type,
      indicatorValue: value,
      sourceId,
      firstSeen: now,
      lastSeen: now,
    });
  }
  return { indicators, observations };
}

/**
 * What the ingestion consumer writes for feed lines [from, to): scored before the upsert (`consumerScore`), no
 * tags, the source's name as the one search term, one observation from `sourceId` per row.
 */
export function consumerFeedRows(
  from: number,
  to: number,
  valueAt: (i: number) => { type: "ipv4" | "domain"; value: string },
  sourceId: string,
): { indicators: IndicatorUpsertRow[]; observations: ObservationUpsertRow[] } {
  const now = new Date().toISOString();
  return feedRows(from, to, valueAt, sourceId, now, () => ({
    tags: [],
    searchTerms: ["Bench feed"],
    score: consumerScore(now, feedRowExplanation),
  }));
}
