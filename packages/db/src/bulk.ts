import { AppError, newSortedIds } from "@threatfusion/core";
import { type SQL, sql } from "drizzle-orm";
import type { DbTransaction } from "./client.ts";
import { ByIndicatorKey } from "./indicator-key-map.ts";
import { catalogIndicatorTypes, type Tlp, tlpLevels } from "./schema.ts";

/**
 * The ingestion bulk path: one parameterised `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE … WHERE
 * (changed)` per batch. Measured here 1.6x faster than multi-row VALUES; it is a single statement with a
 * fixed number of parameters, so it also runs through the Neon driver. Only rows whose merge changes
 * something are written and returned, so later stages (scoring, alerting, search) touch only those.
 */

export interface IndicatorUpsertRow {
  /** An IOC engine type name (`ipv4`, `domain`, `sha256`, …). */
  type: string;
  /** The canonical value (already through `canonicalize`). */
  value: string;
  firstSeen: Date | string;
  lastSeen: Date | string;
  /** 0–100; null/absent keeps what the catalog has. */
  confidence?: number | null;
  /** 0–100, computed by the scoring stage; replaces the stored score. */
  baseScore: number;
  tlp: Tlp;
  /** Added to the stored tags (tags are never removed by the bulk path). */
  tags?: readonly string[];
  /**
   * With `searchDocuments`: the terms of the observations written with this row (source names, malware
   * families, threat types; duplicates allowed), for the search document of a NEW row.
   */
  searchTerms?: readonly string[];
  /**
   * The global score computed by the consumer before the upsert, written only when the row is NEW (so a new
   * catalog row is written once). An existing row keeps its stored score; the scoring stage re-scores it.
   * New rows inserted without one are queued in `score_requests` for the scheduled re-score.
   */
  score?: IndicatorScoreColumns;
}

/**
 * The stored explanation of the catalog row aliased `row` (jsonb), from the set of distinct explanations it
 * references (migrations 0066, 0067). Every reader of a catalog explanation goes through this.
 */
export function catalogExplanation(row: SQL): SQL {
  return sql`(select e.explanation from score_explanations e where e.id = ${row}.score_explanation_id limit 1)`;
}

/**
 * Score explanations stored once per distinct JSON text (`score_explanations`, migrations 0066 and 0067): a
 * catalog row holds the id, the first 16 bytes of the text's SHA-256; a feed's rows, and a re-score's, share a
 * handful. A statement numbers its texts with `add` and begins `with ${set.withItems()}`; after that,
 * `explanation_ids.ids[n]` is the stored id of text number n. Ids already stored are skipped, so a known
 * explanation costs no write; there is no unique key, so parallel writers never wait on each other (a race can
 * store a text twice; readers take one).
 */
export class ExplanationSet {
  private readonly texts: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** The 1-based number of `text` among this statement's explanations. */
  add(text: string): number {
    const known = this.numbers.get(text);
    if (known !== undefined) return known;
    this.texts.push(text);
    this.numbers.set(text, this.texts.length);
    return this.texts.length;
  }

  withItems(): SQL {
    return sql`explanation_input as (
        select x.body, x.n, encode(substr(sha256(convert_to(x.body, 'UTF8')), 1, 16), 'hex')::uuid as id
        from unnest(${textArrayLiteral(this.texts)}::text[]) with ordinality as x(body, n)
      ), stored_explanations as (
        insert into score_explanations (id, explanation)
        select x.id, x.body::jsonb from explanation_input x
        where not exists (select 1 from score_explanations e where e.id = x.id)
      ), explanation_ids as (
        select array_agg(x.id order by x.n) as ids from explanation_input x
      )`;
  }
}

/** The stored global score of a catalog row (the `score*` and `suppress*` columns of `indicators`). */
export interface IndicatorScoreColumns {
  score: number;
  confidence: number;
  base: number;
  /** Epoch ms. */
  decayStart: number;
  expired: boolean;
  /** Epoch ms; null once nothing more changes by decay. */
  nextReactionAt: number | null;
  /** JSON text of the explanation (stored once per distinct text in `score_explanations`; the row keeps its id). */
  explanation: string;
  suppressed: boolean;
  /** JSON text of the suppression reasons. */
  reasons: string;
}

export interface ObservationUpsertRow {
  indicatorType: string;
  indicatorValue: string;
  /** A global source (`sources.tenant_id is null`); rows naming a tenant source are rejected. */
  sourceId: string;
  firstSeen: Date | string;
  lastSeen: Date | string;
  malwareFamily?: string | null;
  threatType?: string | null;
  reference?: string | null;
  /** Merged into the stored context (later keys win). */
  context?: Record<string, unknown>;
}

export type UpsertOutcome = "new" | "changed";

export interface TouchedIndicator {
  id: string;
  type: string;
  value: string;
  outcome: UpsertOutcome;
}

export interface TouchedObservation {
  id: string;
  indicatorId: string;
  outcome: UpsertOutcome;
}

export interface UpsertResult<T> {
  new: number;
  changed: number;
  unchanged: number;
  /** Invalid rows (bad type, empty or too long value, score out of range, unknown indicator or source). */
  rejected: number;
  /** The new and changed rows, for the stages after ingestion. */
  touched: T[];
}

export interface BulkOptions {
  /** Rows per statement; 5–10k measured best. */
  batchSize?: number;
  /**
   * Queue new rows inserted without a `score` in `score_requests` (default true), so the scheduler scores
   * them. Benchmarks that measure the bare upsert (no scoring anywhere) pass false.
   */
  queueUnscored?: boolean;
  /**
   * `upsertObservations` only: list the written rows in `touched` (default true). False answers counts
   * only, so a caller that does not use them (the ingestion consumer) has no row per observation sent back.
   */
  returnTouched?: boolean;
  /**
   * `upsertIndicators` only: write the search documents of the rows it inserts in the same statement, from
   * each row's `searchTerms` (tags first; the documents `indexNewIndicators` writes). Rows that existed are
   * not indexed here: their documents need all their sources (`indexIndicators`).
   */
  searchDocuments?: boolean;
}

const defaultBatchSize = 5_000;
const maxValueLength = 2048;
// The catalog's check (0060) admits these types only; a row of another type is rejected here rather than
// failing its whole statement.
const catalogTypeSet: ReadonlySet<string> = new Set(catalogIndicatorTypes);
const tagSeparator = "\u001f";
const tlpSet: ReadonlySet<string> = new Set(tlpLevels);

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

// The last string `toIso` judged: a feed's rows carry the same few timestamps (four per row between an
// indicator and its observation), so most calls are this comparison (the regex and Date.parse were ~5 % of the
// consumer's CPU in workerd's profile).
let lastIsoInput: string | undefined;
let lastIsoOutput: string | null = null;

/** An ISO-8601 timestamp PostgreSQL will read, or null. Well-formed strings pass as they are (hot path). */
function toIso(value: Date | string): string | null {
  if (typeof value === "string") {
    if (value === lastIsoInput) return lastIsoOutput;
    let judged: string | null;
    if (!isoTimestamp.test(value)) judged = isoOfDate(new Date(value));
    else judged = Number.isNaN(Date.parse(value)) || !dayInMonth(value) ? null : value;
    lastIsoInput = value;
    lastIsoOutput = judged;
    return judged;
  }
  return isoOfDate(value);
}

/**
 * Whether a well-formed timestamp's day exists in its month. `Date.parse` reads `2026-02-30` as 2 March, but
 * PostgreSQL refuses it, and one such row would fail the whole statement (the delivery retried, then
 * dead-lettered) instead of being rejected alone.
 */
function dayInMonth(value: string): boolean {
  const day = Number(value.slice(8, 10));
  if (day <= 28) return true;
  const lastDay = new Date(0);
  // Day 0 of the next month is the month's last day (setUTCFullYear takes years below 100 as written).
  lastDay.setUTCFullYear(Number(value.slice(0, 4)), Number(value.slice(5, 7)), 0);
  return day <= lastDay.getUTCDate();
}

function isoOfDate(date: Date): string | null {
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function isPercent(value: number | null | undefined): boolean {
  return value === null || value === undefined || (Number.isInteger(value) && value >= 0 && value <= 100);
}

/**
 * Orders two timestamps `toIso` accepted. Two UTC strings of one shape (`…Z`, same length, as
 * `toISOString()` writes them) order like their text, which spares the hot path two `Date.parse` calls.
 */
function compareInstants(a: string, b: string): number {
  if (a.length === b.length && a.endsWith("Z") && b.endsWith("Z")) return a < b ? -1 : a > b ? 1 : 0;
  return Date.parse(a) - Date.parse(b);
}

function earlier(a: string, b: string): string {
  return compareInstants(a, b) <= 0 ? a : b;
}

function later(a: string, b: string): string {
  return compareInstants(a, b) >= 0 ? a : b;
}

/** Rows without tags share one list (never changed: a merge builds a new one). */
const noTags: string[] = [];

/** Tags without the separator the statement splits on; sorted so equal sets compare equal. */
function cleanTags(tags: readonly string[] | undefined): string[] {
  if (!tags || tags.length === 0) return noTags;
  return tags
    .map((tag) => tag.replaceAll(tagSeparator, " ").trim())
    .filter(Boolean)
    .sort();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By type, then value: the order of the catalog's unique (type, value) key (no key string built per row). */
function byTypeAndValue(a: { type: string; value: string }, b: { type: string; value: string }): number {
  return a.type === b.type ? compareText(a.value, b.value) : compareText(a.type, b.type);
}

/**
 * `rows` in `byTypeAndValue` order, where `byKey` holds each row under its (type, value) and no two rows share
 * one. Each type's values are sorted by the engine's own string order (the UTF-16 code units `<` compares)
 * without a JavaScript comparator call per comparison, then looked up again (their hashes are cached): the
 * comparator sort of a statement's 5,000 rows was the bulk path's largest cost after the literals.
 */
function sortByUniqueKey<T extends { type: string; value: string }>(
  rows: T[],
  byKey: ByIndicatorKey<T>,
): T[] {
  if (rows.length < 64) return rows.sort(byTypeAndValue);
  const valuesByType = new Map<string, string[]>();
  let lastType: string | undefined;
  let lastValues: string[] = [];
  for (const row of rows) {
    if (row.type !== lastType) {
      lastType = row.type;
      const known = valuesByType.get(lastType);
      if (known === undefined) {
        lastValues = [];
        valuesByType.set(lastType, lastValues);
      } else lastValues = known;
    }
    lastValues.push(row.value);
  }
  const types = [...valuesByType.keys()].sort();
  let at = 0;
  for (const type of types) {
    const values = (valuesByType.get(type) ?? []).sort();
    for (const value of values) {
      const row = byKey.get(type, value);
      if (row === undefined) throw new Error(`sortByUniqueKey: (${type}, ${value}) is not in the map`);
      rows[at++] = row;
    }
  }
  return rows;
}

const arrayElementEscape = /["\\]/;

/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) for a `$n::text[]`-style parameter. Built here rather than
 * by the driver: its per-element escaping (two regex replaces and a string concatenation for every element)
 * was the largest Node CPU cost of a 5,000-row statement; this escapes only elements that need it. A run of
 * equal values (a feed's rows share dates, source, type, TLP, empty context: the rows are sorted by key)
 * reuses the previous element instead of testing and quoting it again (the Worker's CPU profile of the
 * ingestion consumer had this function first, at ~14 % of its busy time).
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  // Most columns hold no NULL and nothing to escape: then one join quotes them all, with no string made per
  // element (a run of equal values is tested once, as below).
  let plain = true;
  let tested: string | null | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === tested) continue;
    if (value === null || value === undefined || arrayElementEscape.test(value)) {
      plain = false;
      break;
    }
    tested = value;
  }
  if (plain) return values.length === 0 ? "{}" : `{"${values.join('","')}"}`;
  const elements = new Array<string>(values.length);
  let previous: string | null | undefined;
  let previousElement = "";
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0 && value === previous) {
      elements[i] = previousElement;
      continue;
    }
    if (value === null || value === undefined) previousElement = "NULL";
    else if (arrayElementEscape.test(value))
      previousElement = `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    else previousElement = `"${value}"`;
    previous = value;
    elements[i] = previousElement;
  }
  return `{${elements.join(",")}}`;
}

/** A PostgreSQL array literal of numbers (`{1,2.5,NULL}`) for `smallint[]`, `integer[]`, `real[]`, … */
export function numberArrayLiteral(values: readonly (number | null)[]): string {
  // Without NULL, one join writes every number as String() would.
  if (!values.some((value) => value === null || value === undefined)) return `{${values.join(",")}}`;
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    elements[i] = value === null || value === undefined ? "NULL" : String(value);
  }
  return `{${elements.join(",")}}`;
}

/**
 * One column of a batch as an array parameter of `type` (a PostgreSQL type name of ours, e.g. `timestamptz`):
 * a column whose rows all hold one value (a feed's rows share dates, source, TLP, empty tags, NULLs) goes as
 * that value once, expanded by `array_fill`, instead of once per row through the Worker, the driver, the bridge
 * and PostgreSQL's array parser. `textColumn` for values PostgreSQL reads from text (text, timestamps, jsonb,
 * booleans as `t`/`f`), `numberColumn` for numbers.
 */
function textColumn(values: readonly (string | null)[], type: string): SQL {
  return sameValueColumn(values, type) ?? sql`${textArrayLiteral(values)}::${sql.raw(type)}[]`;
}

/** The same for numeric columns (`smallint`, `int`, `real`, `float8`), sent as a number array literal. */
function numberColumn(values: readonly (number | null)[], type: string): SQL {
  return sameValueColumn(values, type) ?? sql`${numberArrayLiteral(values)}::${sql.raw(type)}[]`;
}

/** The column as one value expanded by `array_fill` when every row holds it (two rows or more), else undefined. */
function sameValueColumn(values: readonly (string | number | null)[], type: string): SQL | undefined {
  if (values.length < 2) return undefined;
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return undefined;
  return filledColumn(first, values.length, type);
}

/** `rows` times `value` as an array parameter of `type` (`sameValueColumn`'s form). */
function filledColumn(value: string | number | null | undefined, rows: number, type: string): SQL {
  return sql`array_fill(${value}::${sql.raw(type)}, array[${sql.raw(String(rows))}])`;
}

interface PreparedIndicator {
  type: string;
  value: string;
  firstSeen: string;
  lastSeen: string;
  confidence: number | null;
  baseScore: number;
  tlp: Tlp;
  tags: string[];
  score: IndicatorScoreColumns | undefined;
  searchTerms: readonly string[];
}

/**
 * Validates, then merges duplicates within the input the way the database merges with stored rows (ON
 * CONFLICT cannot touch one row twice in a statement), and sorts by key so that parallel writers lock
 * rows in the same order.
 */
function prepareIndicators(rows: readonly IndicatorUpsertRow[]): {
  prepared: PreparedIndicator[];
  rejected: number;
} {
  const byKey = new ByIndicatorKey<PreparedIndicator>();
  const prepared: PreparedIndicator[] = [];
  let rejected = 0;
  for (const row of rows) {
    const firstSeen = toIso(row.firstSeen);
    const lastSeen = toIso(row.lastSeen);
    if (
      !catalogTypeSet.has(row.type) ||
      row.value.length === 0 ||
      row.value.length > maxValueLength ||
      row.value.includes("\u0000") ||
      firstSeen === null ||
      lastSeen === null ||
      !isPercent(row.confidence) ||
      !isPercent(row.baseScore) ||
      !tlpSet.has(row.tlp)
    ) {
      rejected++;
      continue;
    }
    const tags = cleanTags(row.tags);
    const existing = byKey.get(row.type, row.value);
    if (existing) {
      existing.firstSeen = earlier(existing.firstSeen, firstSeen);
      existing.lastSeen = later(existing.lastSeen, lastSeen);
      existing.confidence = row.confidence ?? existing.confidence;
      existing.baseScore = row.baseScore;
      existing.tlp = row.tlp;
      existing.tags = [...new Set([...existing.tags, ...tags])].sort();
      existing.score = row.score ?? existing.score;
      // Copied on merge only: a row's own terms are referenced, not copied (one array fewer per row).
      if (row.searchTerms !== undefined) existing.searchTerms = [...existing.searchTerms, ...row.searchTerms];
    } else {
      const ordered = compareInstants(firstSeen, lastSeen) <= 0;
      const added: PreparedIndicator = {
        type: row.type,
        value: row.value,
        firstSeen: ordered ? firstSeen : lastSeen,
        lastSeen: ordered ? lastSeen : firstSeen,
        confidence: row.confidence ?? null,
        baseScore: row.baseScore,
        tlp: row.tlp,
        tags,
        score: row.score,
        searchTerms: row.searchTerms ?? [],
      };
      byKey.add(row.type, row.value, added);
      prepared.push(added);
    }
  }
  return { prepared: sortByUniqueKey(prepared, byKey), rejected };
}

function chunks<T>(items: readonly T[], size: number): (readonly T[])[] {
  if (items.length <= size) return [items];
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/**
 * What one upsert statement answers: one row of two texts instead of a row per written indicator (the
 * driver decodes a row at a time in JavaScript; two texts are split and parsed natively).
 */
interface UpsertedSummary extends Record<string, unknown> {
  /** How many rows the statement inserted. */
  inserted_count: number;
  /**
   * Ids of the inserted rows, comma-joined (ids hold no comma); null when none or every row sent was inserted (a new
   * feed's rows: nothing per row comes back; each id as text was ~27 bytes a row through the driver, the bridge
   * and the Worker). An inserted row carries the id we sent, so the caller knows its type and value. Not a map
   * by position: that needs a join of the `input` and `upserted` CTEs, which have no index, and a join of two CTEs
   * by id went quadratic once the catalog had statistics (`upsertObservations`, session 9).
   */
  inserted_ids: string | null;
  /** JSON text of `[id, type, value]` per changed row; null when none. */
  changed: string | null;
}

/** One row's search terms as `insertNewSearchDocuments` reads them: joined by chr(31), empty terms left out. */
export function searchTermsText(terms: readonly string[]): string {
  return terms.filter((term) => term !== "").join(tagSeparator);
}

/**
 * Types whose value is always exactly one word (an IPv4 address is a single token, checked for every octet in every
 * position): their stored document is built from the terms alone, the value not even parsed (cheaper than parsing
 * and deleting it: −0.7 µs per average feed row, session 14).
 */
export const termsOnlyDocumentTypes = ["ipv4"] as const;
const termsOnlyDocumentList = sql.raw(termsOnlyDocumentTypes.map((type) => `'${type}'`).join(", "));

/**
 * The full-text document stored for a search row of `type`, `value` and `terms`. A row's whole document is
 * `to_tsvector('simple', value || ' ' || terms)` (`fullSearchDocument`: what search matches and ranks against,
 * computed at search time for the rows it reads); the stored one, which the tsvector GIN indexes, is that document
 * less the one word that IS the value, when the parser reads the value as a single word (an IPv4, most domains and
 * e-mail addresses, a hash that does not start like a number, …). Each such value was a key of its own in the GIN's
 * entry tree, written for every row and never shared (IPv4 ~5 µs, a domain ~4.4 µs of PostgreSQL CPU per row
 * written, two writers; docs/BENCHMARKS.md, ingestion, sessions 13–14). Every other word keeps its position, so for
 * any query `plainto_tsquery` makes, the whole document matches exactly when the stored one does, or when the value
 * is one of the query's words and the whole document matches: search reaches the second kind through the catalog's
 * (type, value) btree. Exact whatever the parser makes of a value: `ts_delete` removes the value's word only if
 * there is one (a value of several words, `xn--…`, `1e5.com`, a URL, keeps them all). Documents stored before keep
 * their value, which is as exact (the stored document is then the whole one).
 */
export function storedSearchDocument(type: SQL, value: SQL, terms: SQL): SQL {
  return sql`case when ${type} in (${termsOnlyDocumentList}) then to_tsvector('simple', ${terms})
    else ts_delete(to_tsvector('simple', ${value} || ' ' || ${terms}), ${value}) end`;
}

/** The whole full-text document of a search row, value included, whatever is stored: what search matches and ranks against. */
export function fullSearchDocument(value: SQL, terms: SQL): SQL {
  return sql`to_tsvector('simple', ${value} || ' ' || ${terms})`;
}

/**
 * Writes the search documents of catalog rows new in this transaction: `rows` is a relation of (id, type,
 * value, tags, terms), terms as `searchTermsText` joins them (duplicates allowed). A document is the row's
 * tags, then its distinct terms in the database's order; `to_tsvector` over value and terms
 * (`storedSearchDocument`: without the value's own word). The one
 * definition for `upsertIndicators`' `searchDocuments` and the search package's `indexNewIndicators`. A row with
 * one term (a plain feed's rows: the source's name) is its own distinct list: the sub-select and its sort per
 * row cost ~5.5 µs of PostgreSQL CPU alone, the test for a separator ~1.4.
 */
export function insertNewSearchDocuments(rows: SQL): SQL {
  return sql`insert into indicator_search as s (indicator_id, type, value, terms, document, updated_at)
      select n.id, n.type, n.value, x.terms, ${storedSearchDocument(sql`n.type`, sql`n.value`, sql`x.terms`)}, now()
      from ${rows} as n
      cross join lateral (
        select concat_ws(' ', array_to_string(n.tags, ' '),
          case when strpos(n.terms, chr(31)) = 0 then nullif(n.terms, '')
               else (select string_agg(distinct t.term, ' ') from unnest(string_to_array(n.terms, chr(31))) as t(term)) end) as terms
      ) as x
      on conflict (indicator_id) do update set
        type = excluded.type, value = excluded.value, terms = excluded.terms, document = excluded.document,
        updated_at = excluded.updated_at
      where (s.type, s.value, s.terms) is distinct from (excluded.type, excluded.value, excluded.terms)`;
}

/**
 * Upserts canonical indicators into the global catalog (run it in `withIngestTx`). Merge rules for an
 * existing (type, value): first seen = earliest, last seen = latest, confidence = the new one when given,
 * base score and TLP = the new ones, tags = union. A row whose merge changes nothing is not written.
 *
 * @example
 * const result = await withIngestTx({ db }, (tx) => upsertIndicators(tx, parsedRows));
 * // result.new, result.changed, result.unchanged; result.touched lists the new and changed rows
 */
export async function upsertIndicators(
  tx: DbTransaction,
  rows: readonly IndicatorUpsertRow[],
  options: BulkOptions = {},
): Promise<UpsertResult<TouchedIndicator>> {
  const { prepared, rejected } = prepareIndicators(rows);
  const result: UpsertResult<TouchedIndicator> = { new: 0, changed: 0, unchanged: 0, rejected, touched: [] };
  for (const batch of chunks(prepared, options.batchSize ?? defaultBatchSize)) {
    // In the order of the rows (sorted by key): each id index then takes its rows in ascending order, at its
    // rightmost page, which PostgreSQL inserts into without descending the tree (its "fastpath"); random ids
    // split pages all over the range of the batch (ingest-writers bench: −11 % PostgreSQL CPU per row).
    const ids = newSortedIds("indicator", batch.length);
    const types: string[] = [];
    const values: string[] = [];
    const firstSeen: string[] = [];
    const lastSeen: string[] = [];
    const confidence: (number | null)[] = [];
    const baseScore: number[] = [];
    const tlp: string[] = [];
    const tags: string[] = [];
    const searchTerms: string[] = [];
    const scores = new ScoreColumns();
    const withDocuments = options.searchDocuments === true;
    // Rows of one feed share their terms list (the source's name alone): joined once per run of it.
    let lastTerms: readonly string[] | undefined;
    let lastTermsText = "";
    for (const row of batch) {
      if (withDocuments) {
        if (row.searchTerms !== lastTerms) {
          lastTerms = row.searchTerms;
          lastTermsText = searchTermsText(row.searchTerms);
        }
        searchTerms.push(lastTermsText);
      }
      types.push(row.type);
      values.push(row.value);
      firstSeen.push(row.firstSeen);
      lastSeen.push(row.lastSeen);
      confidence.push(row.confidence);
      baseScore.push(row.baseScore);
      tlp.push(row.tlp);
      tags.push(row.tags.length === 0 ? "" : row.tags.join(tagSeparator));
      scores.push(row.score);
    }
    const [
      score,
      scoreConfidence,
      scoreBase,
      decayStart,
      expired,
      nextReaction,
      explanation,
      suppressed,
      reasons,
    ] = scores.parameters();
    const rowsSent = sql`unnest(${textArrayLiteral(ids)}::text[], ${textColumn(types, "text")},
                  ${textArrayLiteral(values)}::text[], ${textColumn(firstSeen, "timestamptz")},
                  ${textColumn(lastSeen, "timestamptz")}, ${numberColumn(confidence, "smallint")},
                  ${numberColumn(baseScore, "smallint")}, ${textColumn(tlp, "text")},
                  ${textColumn(tags, "text")}, ${score},
                  ${scoreConfidence}, ${scoreBase},
                  ${decayStart}, ${expired},
                  ${nextReaction}, ${explanation},
                  ${suppressed}, ${reasons}
                  ${withDocuments ? sql`, ${textColumn(searchTerms, "text")}` : sql``})
        as u(id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags, score, score_confidence,
             score_base, decay_start_ms, expired, next_reaction_ms, explanation, suppressed, reasons
             ${withDocuments ? sql`, search_terms` : sql``})`;
    // With search documents the rows sent are read twice (the insert, then the documents of the rows it
    // inserted, by id): one materialized CTE; without, the insert reads the arrays directly.
    const { rows: summary } = await tx.execute<UpsertedSummary>(sql`
      with ${scores.explanations.withItems()}, ${withDocuments ? sql`input as materialized (select * from ${rowsSent}),` : sql``} upserted as (
      insert into indicators as i (id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags,
        score, score_confidence, score_base, score_decay_start, score_expired, score_next_reaction_at,
        score_explanation_id, suppressed, suppression_reasons, scored_at)
      select u.id, u.type, u.value, u.first_seen, u.last_seen, u.confidence, u.base_score, u.tlp,
             case when u.tags = '' then '{}'::text[] else string_to_array(u.tags, chr(31)) end,
             coalesce(u.score, 0), u.score_confidence, u.score_base, to_timestamp(u.decay_start_ms / 1000.0),
             coalesce(u.expired, false), to_timestamp(u.next_reaction_ms / 1000.0), explanation_ids.ids[u.explanation],
             coalesce(u.suppressed, false), coalesce(u.reasons, '[]'::jsonb),
             case when u.score is null then null else now() end
      from explanation_ids, ${withDocuments ? sql`input as u` : rowsSent}
      on conflict (type, value) do update set
        first_seen = least(i.first_seen, excluded.first_seen),
        last_seen = greatest(i.last_seen, excluded.last_seen),
        confidence = coalesce(excluded.confidence, i.confidence),
        base_score = excluded.base_score,
        tlp = excluded.tlp,
        tags = case when excluded.tags <@ i.tags then i.tags
                    else array(select distinct t from unnest(i.tags || excluded.tags) as t order by t) end,
        updated_at = now()
      where excluded.first_seen < i.first_seen
         or excluded.last_seen > i.last_seen
         or (excluded.confidence is not null and excluded.confidence is distinct from i.confidence)
         or excluded.base_score <> i.base_score
         or excluded.tlp <> i.tlp
         or not (excluded.tags <@ i.tags)
      returning i.id, (i.xmax = 0) as inserted, i.type, i.value, i.tags)
      ${
        withDocuments
          ? sql`, documents as (${insertNewSearchDocuments(
              sql`(select up.id, up.type, up.value, up.tags, u.search_terms as terms
                   from upserted up join input u on u.id = up.id where up.inserted)`,
            )})`
          : sql``
      }
      , inserted as (select count(*)::int as n from upserted where inserted)
      select inserted.n as inserted_count,
             case when inserted.n = ${batch.length} then null
                  else (select string_agg(id, ',') from upserted where inserted) end as inserted_ids,
             (select json_agg(json_build_array(id, type, value))::text from upserted where not inserted) as changed
      from inserted`);
    // A new row carries the id we sent, so only changed rows need their (type, value) sent back.
    const insertedCount = Number(summary[0]?.inserted_count ?? 0);
    const insertedIds = summary[0]?.inserted_ids ?? null;
    const changedRows = summary[0]?.changed ?? null;
    const unscored: string[] = [];
    let written = 0;
    const addNew = (sent: PreparedIndicator, id: string) => {
      if (sent.score === undefined) unscored.push(id);
      result.new++;
      written++;
      result.touched.push({ id, type: sent.type, value: sent.value, outcome: "new" });
    };
    if (insertedIds === null) {
      // Null: every row was inserted, or none (no id to aggregate).
      if (insertedCount !== batch.length && insertedCount !== 0)
        throw new AppError(
          "INTERNAL",
          `upsertIndicators: the database answered ${insertedCount} inserted rows of ${batch.length} without their ids`,
        );
      for (let index = 0; index < insertedCount; index++) {
        const sent = batch[index];
        const id = ids[index];
        if (sent !== undefined && id !== undefined) addNew(sent, id);
      }
    } else {
      const indexById = new Map<string, number>();
      for (let index = 0; index < ids.length; index++) indexById.set(ids[index] ?? "", index);
      for (const id of insertedIds.split(",")) {
        const sent = batch[indexById.get(id) ?? -1];
        if (sent === undefined)
          throw new AppError(
            "INTERNAL",
            `upsertIndicators: the database returned an id it was not sent (${id})`,
          );
        addNew(sent, id);
      }
    }
    if (changedRows !== null) {
      for (const [id, type, value] of JSON.parse(changedRows) as [string, string, string][]) {
        result.changed++;
        written++;
        result.touched.push({ id, type, value, outcome: "changed" });
      }
    }
    result.unchanged += batch.length - written;
    // New rows the caller did not score: the scheduled re-score picks them up from here (there is no
    // "unscored" index to find them by, since ingestion scores new rows in this statement).
    if (unscored.length > 0 && options.queueUnscored !== false)
      await tx.execute(sql`insert into score_requests (indicator_id)
        select unnest(${textArrayLiteral(unscored)}::text[]) on conflict do nothing`);
  }
  return result;
}

/**
 * The score columns of a batch: each row's columns object (rows of one scoring input share one; null where a
 * row carries none), turned into the nine column parameters. A column every distinct object agrees on is the
 * `array_fill` that `textColumn` / `numberColumn` would find, without an array of it (a feed's rows mostly
 * share dates, flags and reasons); the others are arrays as before.
 */
class ScoreColumns {
  readonly explanations = new ExplanationSet();
  private readonly rows: (IndicatorScoreColumns | undefined)[] = [];
  /** The distinct objects in the order rows first carry them, while there are at most `maxDistinct`. */
  private readonly distinct: (IndicatorScoreColumns | undefined)[] = [];
  private many = false;
  private lastPushed: IndicatorScoreColumns | undefined | null = null;

  push(columns: IndicatorScoreColumns | undefined): void {
    this.rows.push(columns);
    if (columns === this.lastPushed || this.many) return;
    this.lastPushed = columns;
    if (this.distinct.includes(columns)) return;
    if (this.distinct.length >= maxDistinctScores) this.many = true;
    else this.distinct.push(columns);
  }

  /**
   * The parameters of the nine columns, in the statement's order (once per batch); explanations are numbered in
   * the order rows first carry each text, as numbering row by row gives them.
   */
  parameters(): SQL[] {
    if (!this.many)
      for (const columns of this.distinct)
        if (columns !== undefined) this.explanations.add(columns.explanation);
    const flag = (value: boolean) => (value ? "t" : "f");
    return [
      this.parameter((c) => c.score, "smallint", numberColumn),
      this.parameter((c) => c.confidence, "smallint", numberColumn),
      this.parameter((c) => c.base, "real", numberColumn),
      this.parameter((c) => c.decayStart, "float8", numberColumn),
      this.parameter((c) => flag(c.expired), "boolean", textColumn),
      this.parameter((c) => c.nextReactionAt, "float8", numberColumn),
      this.parameter((c) => this.explanations.add(c.explanation), "int", numberColumn),
      this.parameter((c) => flag(c.suppressed), "boolean", textColumn),
      this.parameter((c) => c.reasons, "jsonb", textColumn),
    ];
  }

  /** The one value all rows hold in a column (as `sameValueColumn` finds it), or `notShared`. */
  private shared<V>(get: (columns: IndicatorScoreColumns) => V): V | null | typeof notShared {
    if (this.many || this.rows.length < 2) return notShared;
    const valueIn = (columns: IndicatorScoreColumns | undefined) =>
      columns === undefined ? null : get(columns);
    const first = valueIn(this.distinct[0]);
    for (let i = 1; i < this.distinct.length; i++) if (valueIn(this.distinct[i]) !== first) return notShared;
    return first;
  }

  private column<V>(get: (columns: IndicatorScoreColumns) => V): (V | null)[] {
    const values = new Array<V | null>(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) {
      const columns = this.rows[i];
      values[i] = columns === undefined ? null : get(columns);
    }
    return values;
  }

  /** One column's parameter: the value all rows share once, or the rows' values as `arrayColumn` sends them. */
  private parameter<V extends string | number>(
    get: (columns: IndicatorScoreColumns) => NoInfer<V> | null,
    type: string,
    arrayColumn: (values: readonly (V | null)[], type: string) => SQL,
  ): SQL {
    const value = this.shared(get);
    return value === notShared
      ? arrayColumn(this.column(get), type)
      : filledColumn(value, this.rows.length, type);
  }
}

const maxDistinctScores = 8;
const notShared = Symbol("notShared");

interface PreparedObservation {
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
  malwareFamily: string | null;
  threatType: string | null;
  reference: string | null;
  context: Record<string, unknown>;
}

const noObservationContext: Record<string, unknown> = Object.freeze({});

function prepareObservations(rows: readonly ObservationUpsertRow[]): {
  prepared: PreparedObservation[];
  rejected: number;
} {
  // By source, then (type, value): a call carries one source or a few.
  const bySource = new Map<string, ByIndicatorKey<PreparedObservation>>();
  const prepared: PreparedObservation[] = [];
  let rejected = 0;
  for (const row of rows) {
    const firstSeen = toIso(row.firstSeen);
    const lastSeen = toIso(row.lastSeen);
    if (
      firstSeen === null ||
      lastSeen === null ||
      row.indicatorValue.length === 0 ||
      row.sourceId.length === 0
    ) {
      rejected++;
      continue;
    }
    let byKey = bySource.get(row.sourceId);
    if (byKey === undefined) {
      byKey = new ByIndicatorKey<PreparedObservation>();
      bySource.set(row.sourceId, byKey);
    }
    const existing = byKey.get(row.indicatorType, row.indicatorValue);
    if (existing) {
      existing.firstSeen = earlier(existing.firstSeen, firstSeen);
      existing.lastSeen = later(existing.lastSeen, lastSeen);
      existing.malwareFamily = row.malwareFamily ?? existing.malwareFamily;
      existing.threatType = row.threatType ?? existing.threatType;
      existing.reference = row.reference ?? existing.reference;
      existing.context = { ...existing.context, ...row.context };
    } else {
      const added: PreparedObservation = {
        type: row.indicatorType,
        value: row.indicatorValue,
        sourceId: row.sourceId,
        firstSeen: earlier(firstSeen, lastSeen),
        lastSeen: later(firstSeen, lastSeen),
        malwareFamily: row.malwareFamily ?? null,
        threatType: row.threatType ?? null,
        reference: row.reference ?? null,
        // Referenced, not copied: a merge above builds a new object and never changes this one, so rows
        // without a context share one (stringified once per run of it below).
        context: row.context ?? noObservationContext,
      };
      byKey.add(row.indicatorType, row.indicatorValue, added);
      prepared.push(added);
    }
  }
  // The order of the key (type, value, source) the observations' rows were sorted by before. With one source
  // (a delivery of one feed) no two rows share (type, value).
  const [onlySource] = bySource.values();
  return {
    prepared:
      bySource.size === 1 && onlySource !== undefined
        ? sortByUniqueKey(prepared, onlySource)
        : prepared.sort((a, b) => byTypeAndValue(a, b) || compareText(a.sourceId, b.sourceId)),
    rejected,
  };
}

interface UpsertedObservation extends Record<string, unknown> {
  matched: string | number;
  id?: string | null;
  indicator_id?: string | null;
  inserted?: boolean | null;
  /** Whether this transaction wrote the observation's catalog row (`returnTouched`). */
  indicator_written_here?: boolean | null;
  type?: string | null;
  value?: string | null;
  /** Counts only (`returnTouched: false`). */
  written?: string | number;
  inserted_count?: string | number;
  corroborated?: string | null;
}

/** What `upsertObservations` did: the counts and rows, and the catalog rows that gained a source. */
export interface ObservationUpsertResult extends UpsertResult<TouchedObservation> {
  /**
   * Catalog rows that this call gave a new source while this transaction did not write the catalog row
   * itself (a second feed reporting a stored value within its stored dates and scores leaves the catalog
   * row unchanged): their stored confidence counts one source too few until they are re-scored, so the
   * caller hands them on with the rows it changed.
   */
  corroborated: CorroboratedIndicator[];
}

export interface CorroboratedIndicator {
  id: string;
  type: string;
  value: string;
}

/**
 * Whether this transaction inserted or changed the catalog row `i` (its upsert ran just before). The written
 * observations reach their catalog row through its primary key, an index probe per row whatever the planner
 * estimates. Session 8 joined the `written` and `matched` CTEs by id instead: CTE scans have no index, so that
 * join's cost hung on the planner's row estimates, and in a 1M `bench:ingest` run (session 9) this statement
 * went from 22–25 to 150 µs per row after autoanalyze ran mid-run (cause not confirmed with EXPLAIN).
 */
const indicatorWrittenHere = sql`(i.xmin = pg_current_xact_id()::xid)`;
// `matched` also notes it for each row (the catalog row is read there anyway): a statement none of whose catalog rows
// came from elsewhere (a new feed's rows, written by the upsert just before) cannot have corroborated any, and skips
// the probe of the catalog's primary key for each observation it inserted (−2.3 µs of PostgreSQL CPU per row, two
// writers; docs/BENCHMARKS.md, ingestion, session 14). Mixed statements probe as before.

/**
 * Upserts per-source observations, naming the indicator by (type, value) so the caller needs no ids
 * (upsert the indicators first, in the same transaction). Merge rules: first/last seen widen; the report
 * count grows by one when the source reports a newer last-seen (re-reading the same snapshot changes
 * nothing); malware family, threat type and reference take the new value when given; context is merged.
 * Rows naming an unknown indicator or a non-global source are counted as rejected.
 */
export async function upsertObservations(
  tx: DbTransaction,
  rows: readonly ObservationUpsertRow[],
  options: BulkOptions = {},
): Promise<ObservationUpsertResult> {
  const { prepared, rejected } = prepareObservations(rows);
  const result: ObservationUpsertResult = {
    new: 0,
    changed: 0,
    unchanged: 0,
    rejected,
    touched: [],
    corroborated: [],
  };
  const returnTouched = options.returnTouched ?? true;
  for (const batch of chunks(prepared, options.batchSize ?? defaultBatchSize)) {
    // Ascending with the rows, as the catalog's ids above (and so the indicator ids they reference).
    const ids = newSortedIds("observation", batch.length);
    const count = batch.length;
    const types = new Array<string>(count);
    const values = new Array<string>(count);
    const sources = new Array<string>(count);
    const firstSeen = new Array<string>(count);
    const lastSeen = new Array<string>(count);
    const families = new Array<string | null>(count);
    const threatTypes = new Array<string | null>(count);
    const references = new Array<string | null>(count);
    const contexts = new Array<string>(count);
    // Rows of one feed share their context object (the consumer's rows without one share an empty one):
    // stringified once per run of the same object.
    let lastContext: Record<string, unknown> | undefined;
    let lastContextText = "";
    for (let index = 0; index < count; index++) {
      const row = batch[index] as PreparedObservation;
      types[index] = row.type;
      values[index] = row.value;
      sources[index] = row.sourceId;
      firstSeen[index] = row.firstSeen;
      lastSeen[index] = row.lastSeen;
      families[index] = row.malwareFamily;
      threatTypes[index] = row.threatType;
      references[index] = row.reference;
      if (row.context !== lastContext) {
        lastContext = row.context;
        lastContextText = JSON.stringify(row.context);
      }
      contexts[index] = lastContextText;
    }
    const { rows: upserted } = await tx.execute<UpsertedObservation>(sql`
      with input as (
        select u.*
        from unnest(${textArrayLiteral(ids)}::text[], ${textColumn(types, "text")},
                    ${textArrayLiteral(values)}::text[], ${textColumn(sources, "text")},
                    ${textColumn(firstSeen, "timestamptz")}, ${textColumn(lastSeen, "timestamptz")},
                    ${textColumn(families, "text")}, ${textColumn(threatTypes, "text")},
                    ${textColumn(references, "text")}, ${textColumn(contexts, "jsonb")})
          as u(id, type, value, source_id, first_seen, last_seen, malware_family, threat_type, reference, context)
      ),
      matched as materialized (
        select input.id, i.id as indicator_id, s.id as source_id, input.first_seen, input.last_seen,
               input.malware_family, input.threat_type, input.reference, input.context,
               ${indicatorWrittenHere} as indicator_written_here
        from input
        join indicators i on i.type = input.type and i.value = input.value
        join sources s on s.id = input.source_id and s.tenant_id is null
      ),
      written as (
        insert into observations as o
          (id, indicator_id, source_id, first_seen, last_seen, malware_family, threat_type, reference, context)
        select id, indicator_id, source_id, first_seen, last_seen, malware_family, threat_type, reference, context
        from matched
        on conflict (indicator_id, source_id) do update set
          first_seen = least(o.first_seen, excluded.first_seen),
          last_seen = greatest(o.last_seen, excluded.last_seen),
          report_count = o.report_count + (excluded.last_seen > o.last_seen)::int,
          malware_family = coalesce(excluded.malware_family, o.malware_family),
          threat_type = coalesce(excluded.threat_type, o.threat_type),
          reference = coalesce(excluded.reference, o.reference),
          context = o.context || excluded.context,
          updated_at = now()
        where excluded.first_seen < o.first_seen
           or excluded.last_seen > o.last_seen
           or (excluded.malware_family is not null and excluded.malware_family is distinct from o.malware_family)
           or (excluded.threat_type is not null and excluded.threat_type is distinct from o.threat_type)
           or (excluded.reference is not null and excluded.reference is distinct from o.reference)
           or not (o.context @> excluded.context)
        returning o.id, o.indicator_id, (o.xmax = 0) as inserted
      )
      ${
        returnTouched
          ? sql`select total.matched, written.id, written.indicator_id, written.inserted,
                       ${indicatorWrittenHere} as indicator_written_here, i.type, i.value
                from (select count(*) as matched from matched) as total
                left join written on true
                left join indicators i on i.id = written.indicator_id`
          : sql`select (select count(*) from matched) as matched, count(*) as written,
                       count(*) filter (where inserted) as inserted_count,
                       case when exists (select 1 from matched m where not m.indicator_written_here)
                         then (select json_agg(json_build_array(w.indicator_id, i.type, i.value))::text
                               from written w join indicators i on i.id = w.indicator_id
                               where w.inserted and not ${indicatorWrittenHere}) end as corroborated
                from written`
      }`);
    const matched = Number(upserted[0]?.matched ?? 0);
    if (!returnTouched) {
      const written = Number(upserted[0]?.written ?? 0);
      const inserted = Number(upserted[0]?.inserted_count ?? 0);
      const corroborated = upserted[0]?.corroborated ?? null;
      if (corroborated !== null)
        for (const [id, type, value] of JSON.parse(corroborated) as [string, string, string][])
          result.corroborated.push({ id, type, value });
      result.new += inserted;
      result.changed += written - inserted;
      result.unchanged += matched - written;
      result.rejected += batch.length - matched;
      continue;
    }
    let writtenCount = 0;
    for (const row of upserted) {
      if (row.id == null || row.indicator_id == null) continue;
      writtenCount++;
      const outcome: UpsertOutcome = row.inserted ? "new" : "changed";
      if (row.inserted && row.indicator_written_here === false)
        result.corroborated.push({ id: row.indicator_id, type: row.type ?? "", value: row.value ?? "" });
      result[outcome]++;
      result.touched.push({ id: row.id, indicatorId: row.indicator_id, outcome });
    }
    result.unchanged += matched - writtenCount;
    result.rejected += batch.length - matched;
  }
  return result;
}
