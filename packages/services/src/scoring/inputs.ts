import type { DbTransaction } from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import type { ContextKind, Observation, Reliability, UnscoredInput } from "@threatfusion/scoring";
import { type SQL, sql } from "drizzle-orm";

/** What scoring reads about one catalog indicator: its identity and everything the model takes. */
export interface CatalogScoringInput {
  id: string;
  type: IndicatorType;
  value: string;
  /** Observations, threat context and global feedback; no tenant overlay. */
  input: UnscoredInput;
}

// Feed vocabularies (abuse.ch threat_type, MISP/OTX tags) mapped onto the model's context kinds.
const contextPatterns: [RegExp, ContextKind][] = [
  [/ransom/, "ransomware"],
  [/(^|[^a-z])(c2|cc|c&c)([^a-z]|$)|botnet_cc|command.?and.?control/, "c2"],
  [/exploit|known.?exploited|kev/, "exploited-cve"],
  [/phish/, "phishing"],
  [/botnet/, "botnet"],
  [/scan/, "scanner"],
  [/malware|payload|trojan|stealer|rat([^a-z]|$)|loader/, "malware"],
];

/** Labels repeat across millions of rows (a feed's few threat types and tags): each is classified once. */
const kindOfLabel = new Map<string, ContextKind | null>();
const maxRememberedLabels = 10_000;

function contextKindOf(label: string): ContextKind | null {
  const known = kindOfLabel.get(label);
  if (known !== undefined) return known;
  const text = label.toLowerCase();
  let found: ContextKind | null = null;
  for (const [pattern, kind] of contextPatterns) {
    if (pattern.test(text)) {
      found = kind;
      break;
    }
  }
  if (kindOfLabel.size >= maxRememberedLabels) kindOfLabel.clear();
  kindOfLabel.set(label, found);
  return found;
}

/** The context kinds a feed's threat type or tags name ("botnet_cc" -> c2, "malware_download" -> malware). */
export function contextKindsOf(labels: readonly string[]): ContextKind[] {
  const kinds = new Set<ContextKind>();
  for (const label of labels) {
    const kind = contextKindOf(label);
    if (kind !== null) kinds.add(kind);
  }
  return [...kinds];
}

/** A row of `scoringInputsQuery`. */
export interface ScoringInputRow extends Record<string, unknown> {
  id: string;
  type: IndicatorType;
  value: string;
  tags: string[];
  observations: {
    sourceId: string;
    sourceName: string;
    reliability: Reliability;
    /** Epoch ms. */
    firstSeen: number;
    lastSeen: number;
    malwareFamily: string | null;
    threatType: string | null;
    sourceConfidence: number | null;
  }[];
  false_positive_tenants: number | null;
  true_positive_tenants: number | null;
}

/**
 * The statement that reads scoring inputs: each global source's observation with the source's reliability
 * letter and name, the threat context the feeds gave (threat types, tags, malware families), and the
 * tenants' verdicts as counts (`tf_feedback_counts`: no tenant ids). `extra` adds columns of `indicators i`
 * (the catalog re-score reads its stored result in the same statement).
 */
export function scoringInputsQuery(indicatorIds: readonly string[], extra: SQL = sql``): SQL {
  return sql`
    select i.id, i.type, i.value::text as value, i.tags,
      coalesce((
        select json_agg(json_build_object(
          'sourceId', o.source_id, 'sourceName', s.name, 'reliability', s.reliability,
          -- Epoch ms, truncated as Date.parse would: numbers parse faster than timestamps in JSON.
          'firstSeen', floor(extract(epoch from o.first_seen) * 1000), 'lastSeen', floor(extract(epoch from o.last_seen) * 1000),
          'malwareFamily', o.malware_family,
          'threatType', o.threat_type,
          'sourceConfidence', case when jsonb_typeof(o.context -> 'confidence') = 'number'
                                   then (o.context ->> 'confidence')::numeric end))
        from observations o join sources s on s.id = o.source_id
        where o.indicator_id = i.id), '[]'::json) as observations,
      f.false_positive_tenants, f.true_positive_tenants ${extra}
    from indicators i
    left join tf_feedback_counts(${sql.param([...indicatorIds])}::text[]) f on f.indicator_id = i.id
    where i.id = any(${sql.param([...indicatorIds])}::text[])`;
}

/**
 * Reads the scoring inputs of catalog indicators in one statement (`scoringInputsQuery`). Works as
 * tf_ingest and inside a tenant transaction alike.
 */
export async function loadScoringInputs(
  tx: DbTransaction,
  indicatorIds: readonly string[],
): Promise<CatalogScoringInput[]> {
  if (indicatorIds.length === 0) return [];
  const { rows } = await tx.execute<ScoringInputRow>(scoringInputsQuery(indicatorIds));
  return rows.map(toScoringInput);
}

export function toScoringInput(row: ScoringInputRow): CatalogScoringInput {
  // Runs once per row of a full re-score (a million times): no object spreads, and no label list, family set
  // or sort for the many rows that carry none.
  const observations: Observation[] = [];
  let labels: string[] | null = row.tags.length > 0 ? [...row.tags] : null;
  let families: Set<string> | null = null;
  for (const observation of row.observations) {
    const item: Observation = {
      sourceId: observation.sourceId,
      sourceName: observation.sourceName,
      reliability: observation.reliability,
      firstSeen: Number(observation.firstSeen),
      lastSeen: Number(observation.lastSeen),
    };
    if (observation.sourceConfidence !== null) item.sourceConfidence = Number(observation.sourceConfidence);
    observations.push(item);
    if (observation.threatType !== null) {
      if (labels === null) labels = [];
      labels.push(observation.threatType);
    }
    if (observation.malwareFamily !== null) {
      if (families === null) families = new Set();
      families.add(observation.malwareFamily);
    }
  }
  // A CVE reported by any source is an exploited one only when a feed says so (CISA KEV's tags do).
  const kinds = labels === null ? [] : contextKindsOf(labels);
  const input: UnscoredInput = {
    type: row.type,
    observations,
    context: { kinds, malwareFamilies: families === null ? [] : [...families].sort() },
  };
  if (row.false_positive_tenants !== null) {
    input.feedback = {
      global: {
        falsePositiveTenants: row.false_positive_tenants,
        truePositiveTenants: row.true_positive_tenants ?? 0,
      },
    };
  }
  return { id: row.id, type: row.type, value: row.value, input };
}
