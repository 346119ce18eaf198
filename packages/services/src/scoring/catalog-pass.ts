import { type Database, type DbTransaction, untilQueriesSent, withIngestTx } from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import type { Reliability, ScoringModel } from "@threatfusion/scoring";
import { type SQL, sql } from "drizzle-orm";
import {
  type CatalogScoreChange,
  type CatalogScoreStats,
  judgeStoredRow,
  type StoredRow,
  scoreCatalogIndicators,
  writeCatalogScores,
} from "./catalog-score.ts";
import { toScoringInput } from "./inputs.ts";

/**
 * Rows per range statement: texts of about 150 bytes a row (~3.7 MB); a worker holds two at most (the range it
 * judges, the next one arriving), far inside a Worker's memory.
 */
export const catalogPassRangeSize = 25_000;

/** What a range pass did, and where it stopped. */
export interface CatalogPassStats extends CatalogScoreStats {
  /** The last id the pass covered (the cursor to continue from); the start cursor when it covered nothing. */
  lastId: string;
  /** Whether the pass reached the end of the catalog (fewer rows than `limit` were left). */
  finished: boolean;
  /** Rows judged through the id path because they need warninglist matching (never scored, or lists changed). */
  matched: number;
}

export interface CatalogRange {
  /** Exclusive lower bound. */
  after: string;
  /** Inclusive upper bound; null: to the end of the catalog. */
  through: string | null;
}

export interface SourceInfo {
  name: string;
  reliability: Reliability;
}

/**
 * Re-scores the catalog in id order from `after` (exclusive), at most `limit` rows, and writes only the rows
 * whose stored result changed (the same judgement and write as `scoreCatalogIndicators`). Each range of
 * `rangeSize` ids is read by ONE statement that returns the range as three text values of compact lines (the
 * indicators' stored results and inputs, their observations, tenants' verdict counts; each in id order, merged
 * by id in Node), so the driver parses one row per range instead of one per observation; sources are read once
 * per pass. `parallel` workers each run one ingest transaction after another; each transaction cuts the next
 * range (`RangeCutter`) and sends its statement, then judges and writes the range the worker read in its previous
 * transaction while PostgreSQL runs that statement, so the database does not wait on Node's judgement (measured:
 * a quarter of 2 cores idle when each range was read, judged and written in turn; `startRangeRead`). Under
 * read committed a range's read and its write never shared a snapshot anyway; a write sets the judged columns
 * whatever the row holds then, as before. Rows that need warninglist matching (never scored, or scored before
 * the last list change) go through the id path in the transaction that judges them. Measured in
 * `packages/services/bench/rescore-db.ts` ("range pass" lines).
 */
export async function rescoreCatalogRanges(
  ingestDb: Database,
  options: {
    now: number;
    model: ScoringModel;
    after?: string;
    limit?: number;
    rangeSize?: number;
    parallel?: number;
  },
): Promise<CatalogPassStats> {
  const after = options.after ?? "";
  const context = await withIngestTx({ db: ingestDb }, readPassContext);
  const cutter = new RangeCutter({
    after,
    rangeSize: options.rangeSize ?? catalogPassRangeSize,
    limit: options.limit ?? null,
  });
  const stats: CatalogPassStats = {
    examined: 0,
    changed: 0,
    membershipChanged: 0,
    changedIds: [],
    lastId: after,
    finished: false,
    matched: 0,
  };
  const worker = async () => {
    // The range this worker read in its previous transaction: judged and written in the next one, while the
    // statement of the range after it runs (`startRangeRead`).
    let carried: { range: CatalogRange; text: CatalogRangeText } | null = null;
    for (let more = true; more; ) {
      more = await withIngestTx({ db: ingestDb }, async (tx) => {
        const range = await cutter.next(tx, stats);
        const ahead = range === null ? null : await startRangeRead(tx, range, context.listsChangedAt);
        if (carried !== null) {
          await rescoreRange(
            tx,
            carried.range,
            carried.text,
            { now: options.now, model: options.model, context },
            stats,
          );
        }
        carried = range === null || ahead === null ? null : { range, text: await ahead.text };
        return carried !== null;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 2) }, worker));
  stats.finished = cutter.finished;
  return stats;
}

interface PassContext {
  sources: Map<string, SourceInfo>;
  /** The last warninglist change (timestamptz text); rows scored before it need matching. */
  listsChangedAt: string | null;
}

/** What every range needs once per pass: the global sources and the last warninglist change. */
async function readPassContext(tx: DbTransaction): Promise<PassContext> {
  const { rows: sourceRows } = await tx.execute<{ id: string; name: string; reliability: Reliability }>(
    sql`select id, name, reliability from sources where tenant_id is null`,
  );
  // As text, so the comparison in each range is exact to the microsecond, as on the id path.
  const { rows: lists } = await tx.execute<{ changed_at: string | null }>(
    sql`select max(greatest(imported_at, updated_at))::text as changed_at from warninglists`,
  );
  return {
    sources: new Map(sourceRows.map((row) => [row.id, { name: row.name, reliability: row.reliability }])),
    listsChangedAt: lists[0]?.changed_at ?? null,
  };
}

/**
 * Cuts the pass into ranges as the workers ask for them: each cut is one keyset probe of the primary key
 * (the `size`-th id after the previous cut, an index-only walk of `size` entries), so work starts at once and
 * no id of the catalog is numbered up front (the first version numbered every id with `row_number()` before
 * the first range). Probes run one at a time, in id order, so ranges never overlap. A page bounded by `limit`
 * ends at its `limit`-th row; otherwise the rest of the catalog is one open range (rows added since included).
 */
class RangeCutter {
  private from: string;
  private taken = 0;
  private ended = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly rangeSize: number;
  private readonly limit: number | null;
  /** Whether the pass reached the end of the catalog (known once the last range is cut). */
  finished = false;

  constructor(options: { after: string; rangeSize: number; limit: number | null }) {
    this.from = options.after;
    this.rangeSize = options.rangeSize;
    this.limit = options.limit;
  }

  next(tx: DbTransaction, stats: CatalogPassStats): Promise<CatalogRange | null> {
    const range = this.queue.then(() => this.cut(tx, stats));
    this.queue = range.catch(() => undefined);
    return range;
  }

  private async cut(tx: DbTransaction, stats: CatalogPassStats): Promise<CatalogRange | null> {
    if (this.ended) return null;
    const size = this.limit === null ? this.rangeSize : Math.min(this.rangeSize, this.limit - this.taken);
    if (size <= 0) {
      this.ended = true;
      return null;
    }
    const { rows } = await tx.execute<{ id: string }>(
      sql`select id from indicators where id > ${this.from} order by id offset ${size - 1} limit 1`,
    );
    const through = rows[0]?.id ?? null;
    const range: CatalogRange = { after: this.from, through };
    if (through === null) {
      this.ended = true;
      this.finished = true;
      return range;
    }
    this.from = through;
    this.taken += size;
    stats.lastId = through;
    if (this.taken === this.limit) this.ended = true;
    return range;
  }
}

/** The packed field's confidence when the row has none (stored confidences are 0–100). */
const noConfidence = 127;

/**
 * A range as three text values of tab-separated lines, each in id order, with no join between them (Node merges
 * them by id: `visitRangeRows`):
 *  - indicators: 0 id, 1 type, 2 tags (JSON array, empty when none), 3 score + 128 × confidence (127: none)
 *    + 16384 × flags (1 expired, 2 suppressed, 4 judged here; else it needs warninglist matching), 4 base,
 *    5 decay start µs, 6 next reaction µs;
 *  - observations (by indicator id, then source id): 0 indicator id, 1 source id, 2 last seen µs, 3 malware
 *    family (JSON string), 4 threat type (JSON string), 5 the context's `confidence` as JSON (a number is
 *    used; a string, object or null is not, as the id path's `jsonb_typeof(…) = 'number'`);
 *  - feedback (only indicators with tenants' verdicts, usually none): 0 indicator id, 1 false-positive tenants,
 *    2 true-positive tenants.
 * Measured on one 50,000-id range (psql, backend CPU): the single joined statement this replaces (one line per
 * indicator and observation) cost 490 ms, of which the plan's sort of the joined wide rows (a hash join's output
 * put in id order, spilled to disk) and the merge join with the feedback function were ~40 %, and a second
 * observation's line rendered the indicator's fields again; the three aggregates over index scans in id order
 * (no sort at all) cost 308 ms. The planner, left alone, chose bitmap scans and sorts for them (410 ms), so
 * `readCatalogRange` turns sorts off for this statement only.
 * An observation's first-seen time is not sent: the engine does not read it (`catalog-pass.test.ts` would fail
 * if a score came to depend on it, its first-seen times differ).
 * Free text goes as JSON, which escapes tabs and newlines; ids are generated (`newId`). An empty field is SQL
 * null. Times go as exact integer microseconds (float8 `date_part` carries them exactly; `extract` is numeric
 * and cost 1 µs per value, measured); the epoch ms the id path reads are derived from them in `readStoredFields`.
 * The cast to int8 rounds to the nearest integer itself (no `round` call): the float's error is about 0.25 µs
 * at today's epochs, far from the 0.5 where rounding rules could differ.
 * `concat_ws` with the nullable fields as text: measured half the PostgreSQL CPU of `concat` with tab arguments.
 * Each field costs PostgreSQL 0.2–0.5 µs a line (an expression, an output function, a copy; psql, session 9),
 * so score, confidence and flags travel as one integer (checked constraints keep score and confidence in
 * 0–100) and the confidence probe is one expression instead of a type test and a second key lookup:
 * measured on 1M rows in alternated pairs, PostgreSQL −0.6 and Node −0.6 CPU-s a pass (docs/BENCHMARKS.md).
 */
function rangeStatement(range: CatalogRange, listsChangedAt: string | null) {
  const through = range.through === null ? sql`` : sql`and i.id <= ${range.through}`;
  const throughObservation = range.through === null ? sql`` : sql`and o.indicator_id <= ${range.through}`;
  const current =
    listsChangedAt === null
      ? sql`i.scored_at is not null`
      : sql`coalesce(i.scored_at >= ${listsChangedAt}::timestamptz, false)`;
  const micros = (column: SQL) => sql`coalesce((date_part('epoch', ${column}) * 1000000)::int8::text, '')`;
  return sql`
    select
      (select string_agg(concat_ws(e'\t',
          i.id, i.type, coalesce(case when cardinality(i.tags) > 0 then array_to_json(i.tags)::text end, ''),
          i.score + 128 * coalesce(i.score_confidence, ${sql.raw(String(noConfidence))})
            + 16384 * (i.score_expired::int + 2 * i.suppressed::int + 4 * (${current})::int),
          coalesce(i.score_base::text, ''),
          ${micros(sql`i.score_decay_start`)}, ${micros(sql`i.score_next_reaction_at`)}
        ), e'\n' order by i.id)
       from indicators i where i.id > ${range.after} ${through}) as indicators,
      (select string_agg(concat_ws(e'\t',
          o.indicator_id, o.source_id, ${micros(sql`o.last_seen`)},
          coalesce(to_json(o.malware_family)::text, ''), coalesce(to_json(o.threat_type)::text, ''),
          coalesce((o.context -> 'confidence')::text, '')
        ), e'\n' order by o.indicator_id, o.source_id)
       from observations o where o.indicator_id > ${range.after} ${throughObservation}) as observations,
      (select string_agg(concat_ws(e'\t', f.indicator_id, f.false_positive_tenants, f.true_positive_tenants),
          e'\n' order by f.indicator_id)
       from tf_feedback_counts_between(${range.after}, ${range.through}) f) as feedback`;
}

/** One range's three texts (see `rangeStatement`); a text is null when it has no line. */
export interface CatalogRangeText {
  indicators: string | null;
  observations: string | null;
  feedback: string | null;
}

/** One range's texts; the bench times this read alone. */
export async function readCatalogRange(
  tx: DbTransaction,
  range: CatalogRange,
  listsChangedAt: string | null,
): Promise<CatalogRangeText> {
  const { text } = await startRangeRead(tx, range, listsChangedAt);
  return text;
}

/**
 * Sends a range's statement and returns once it has left this process, with its texts still to come (`text`),
 * so a worker can judge its previous range while PostgreSQL runs this one. The driver (@neondatabase/serverless,
 * `coalesceWrites` by default) sends a query's bytes from a `setTimeout(0)`, and every reply is read by the event
 * loop, which a range's judgement holds for 50–100 ms: measured (sampling each process's CPU every 100 ms and
 * the backends' wait states every 5 ms), a worker that judged with its next statement not yet sent left both
 * backends waiting on Node ("idle in transaction") in a third of the pass and a quarter of 2 cores idle; the two
 * workers fell into step (both statements at once, then both judgements with PostgreSQL idle).
 */
async function startRangeRead(
  tx: DbTransaction,
  range: CatalogRange,
  listsChangedAt: string | null,
): Promise<{ text: Promise<CatalogRangeText> }> {
  // Index scans in id order feed the ordered aggregates with no sort (measured in `rangeStatement`); for this
  // statement only, so the writes and the id path of the same transaction plan as always.
  await tx.execute(sql`set local enable_sort = off`);
  // Drizzle's queries start when their `then` is called; `Promise.all` calls it in this order, so the statement
  // goes out first and the reset queues behind it on the transaction's connection.
  const [read, reset] = [
    tx.execute<{ indicators: string | null; observations: string | null; feedback: string | null }>(
      rangeStatement(range, listsChangedAt),
    ),
    tx.execute(sql`set local enable_sort to default`),
  ];
  const text = Promise.all([read, reset]).then(([{ rows }]) => {
    const row = rows[0];
    return {
      indicators: row?.indicators ?? null,
      observations: row?.observations ?? null,
      feedback: row?.feedback ?? null,
    };
  });
  // Awaited by the caller after judging; a failure meanwhile must not count as unhandled.
  text.catch(() => undefined);
  await untilQueriesSent();
  return { text };
}

const tab = 9;
const newline = 10;
const minus = 45;
const zero = 48;

/**
 * Reads a range's lines field by field without splitting them into arrays of strings: integers are parsed
 * from the character codes, only text fields become strings (measured: `split` per line and per field was
 * most of this process's CPU in the pass, with garbage collection of the pieces). Field ends are found with
 * `indexOf` (native) rather than a loop over characters; every field but a line's last ends with a tab (free
 * text is JSON, so a raw tab or newline never occurs inside a field).
 */
class LineReader {
  private at = 0;
  private readonly lines: string;

  constructor(lines: string) {
    this.lines = lines;
  }

  get done(): boolean {
    return this.at >= this.lines.length;
  }

  /** Where the current field ends: the next tab, or for a line's last field the next newline. */
  private end(last: boolean): number {
    const end = this.lines.indexOf(last ? "\n" : "\t", this.at);
    return end === -1 ? this.lines.length : end;
  }

  private get empty(): boolean {
    const code = this.lines.charCodeAt(this.at);
    return code === tab || code === newline || Number.isNaN(code);
  }

  text(): string {
    const end = this.end(false);
    const value = this.lines.slice(this.at, end);
    this.at = end + 1;
    return value;
  }

  /**
   * A text field from a small set of values that repeat line after line (types, source ids): the string
   * already in `seen` when it matches, so no new string is made per line.
   */
  repeated(seen: string[]): string {
    const { lines, at } = this;
    const end = this.end(false);
    this.at = end + 1;
    for (const value of seen) {
      if (value.length === end - at && lines.startsWith(value, at)) return value;
    }
    const value = lines.slice(at, end);
    if (seen.length < 16) seen.push(value);
    return value;
  }

  /** Moves past the rest of the current line. */
  skipLine(): void {
    this.at = this.end(true) + 1;
  }

  /** An integer field (digits, optional leading minus); null when empty. */
  int(): number | null {
    const { lines } = this;
    let end = this.at;
    let value = 0;
    let negative = false;
    for (; end < lines.length; end++) {
      const code = lines.charCodeAt(end);
      if (code === tab || code === newline) break;
      if (code === minus) negative = true;
      else value = value * 10 + (code - zero);
    }
    const empty = end === this.at;
    this.at = end + 1;
    return empty ? null : negative ? -value : value;
  }

  /** A decimal field (PostgreSQL's shortest float text); null when empty. `last`: the line's last field. */
  number(last = false): number | null {
    if (this.empty) {
      this.at++;
      return null;
    }
    const end = this.end(last);
    const value = Number(this.lines.slice(this.at, end));
    this.at = end + 1;
    return value;
  }

  /** The line's last field as a JSON value: its number, null when empty or not a number (a string, object…). */
  jsonNumber(): number | null {
    const code = this.lines.charCodeAt(this.at);
    if (code === minus || (code >= zero && code <= zero + 9)) return this.number(true);
    this.skipLine();
    return null;
  }

  /** A JSON string field; null when empty. */
  json(): string | null {
    if (this.empty) {
      this.at++;
      return null;
    }
    return JSON.parse(this.text()) as string | null;
  }
}

/** Epoch ms as the id path reads them: stored score times rounded, observation times floored (Date.parse). */
const roundedMs = (micros: number | null): number | null =>
  micros === null ? null : Math.round(micros / 1000);
const flooredMs = (micros: number | null): number | null =>
  micros === null ? null : Math.floor(micros / 1000);

/** Reads the stored fields of an indicator line after its id: type … next reaction (fields 1–6). */
function readStoredFields(reader: LineReader, id: string, types: string[]): StoredRow {
  const type = reader.repeated(types) as IndicatorType;
  const tags = reader.text();
  // score + 128 × confidence (127: none) + 16384 × flags (`rangeStatement`).
  const packed = reader.int() ?? 0;
  const score = packed & 127;
  const storedConfidence = (packed >> 7) & 127;
  const confidence = storedConfidence === noConfidence ? null : storedConfidence;
  const flags = packed >> 14;
  const base = reader.number();
  const decayStart = roundedMs(reader.int());
  const nextReaction = roundedMs(reader.int());
  return {
    id,
    type,
    // Not read: only a warninglist match needs the value, and matched rows go through the id path.
    value: "",
    tags: tags === "" ? [] : (JSON.parse(tags) as string[]),
    observations: [],
    false_positive_tenants: null,
    true_positive_tenants: null,
    score,
    score_confidence: confidence,
    score_base: base,
    decay_start_ms: decayStart,
    score_expired: (flags & 1) !== 0,
    next_reaction_ms: nextReaction,
    suppressed: (flags & 2) !== 0,
    // Not read either: a row judged here keeps its stored reasons (`CatalogScoreChange.reasons` null).
    suppression_reasons: [],
    scored: true,
    suppression_current: (flags & 4) !== 0,
  };
}

/** A range's feedback lines by indicator id: [false-positive tenants, true-positive tenants]. */
function readFeedback(text: string | null): Map<string, [number | null, number | null]> {
  const counts = new Map<string, [number | null, number | null]>();
  if (text === null) return counts;
  const reader = new LineReader(text);
  while (!reader.done) {
    const id = reader.text();
    const falsePositives = reader.int();
    counts.set(id, [falsePositives, reader.int()]);
  }
  return counts;
}

function addFeedback(row: StoredRow, feedback: ReadonlyMap<string, [number | null, number | null]>): void {
  const counts = feedback.get(row.id);
  if (counts === undefined) return;
  row.false_positive_tenants = counts[0];
  row.true_positive_tenants = counts[1];
}

/** Reads an observation line's fields after its indicator id onto its row. */
function readObservation(
  reader: LineReader,
  row: StoredRow,
  sources: ReadonlyMap<string, SourceInfo>,
  sourceIds: string[],
): void {
  const sourceId = reader.repeated(sourceIds);
  const lastSeen = flooredMs(reader.int());
  const malwareFamily = reader.json();
  const threatType = reader.json();
  const sourceConfidence = reader.jsonNumber();
  if (sourceId === "" || lastSeen === null) return;
  const source = sources.get(sourceId);
  row.observations.push({
    sourceId,
    sourceName: source?.name ?? "",
    reliability: source?.reliability ?? "F",
    // Not read (see `rangeStatement`): the engine scores by last seen only.
    firstSeen: lastSeen,
    lastSeen,
    malwareFamily,
    threatType,
    sourceConfidence,
  });
}

/**
 * Hands each row of a range to `visit` as soon as it is complete, in id order, merging the indicator and
 * observation lines by id as they are read (both come in id order), so a pass keeps no parsed rows alive beyond
 * the one being judged (measured: with a range's 25,000 rows held until judging, garbage collection was a
 * quarter of the parse-and-judge CPU). Observation lines of an id with no indicator line are skipped, as a
 * join would. Returns false, having stopped, at the first indicator or observation line whose id is below the
 * previous one of its text: a caller then uses `parseRange`.
 */
export function visitRangeRows(
  text: CatalogRangeText,
  sources: ReadonlyMap<string, SourceInfo>,
  visit: (row: StoredRow) => void,
): boolean {
  const feedback = readFeedback(text.feedback);
  const indicators = new LineReader(text.indicators ?? "");
  const observations = new LineReader(text.observations ?? "");
  const types: string[] = [];
  const sourceIds: string[] = [];
  let previousId = "";
  let observationId = observations.done ? null : observations.text();
  while (!indicators.done) {
    const id = indicators.text();
    if (id <= previousId) return false;
    previousId = id;
    const row = readStoredFields(indicators, id, types);
    addFeedback(row, feedback);
    while (observationId !== null && observationId <= id) {
      if (observationId === id) readObservation(observations, row, sources, sourceIds);
      else observations.skipLine();
      const next = observations.done ? null : observations.text();
      if (next !== null && next < observationId) return false;
      observationId = next;
    }
    visit(row);
  }
  // Lines after the last indicator belong to none, but one out of order there would have been missed above.
  while (observationId !== null) {
    observations.skipLine();
    const next = observations.done ? null : observations.text();
    if (next !== null && next < observationId) return false;
    observationId = next;
  }
  return true;
}

/**
 * Parses a range's texts into stored rows with their observations, grouped by id through a map, so the result
 * never depends on the lines' order: the fallback for a range `visitRangeRows` stopped on (lines out of id
 * order), which then needs no second attempt in order.
 */
export function parseRange(text: CatalogRangeText, sources: ReadonlyMap<string, SourceInfo>): StoredRow[] {
  const feedback = readFeedback(text.feedback);
  const rows: StoredRow[] = [];
  const byId = new Map<string, StoredRow>();
  const types: string[] = [];
  const sourceIds: string[] = [];
  const indicators = new LineReader(text.indicators ?? "");
  while (!indicators.done) {
    const id = indicators.text();
    if (byId.has(id)) {
      indicators.skipLine();
      continue;
    }
    const row = readStoredFields(indicators, id, types);
    addFeedback(row, feedback);
    byId.set(id, row);
    rows.push(row);
  }
  const observations = new LineReader(text.observations ?? "");
  while (!observations.done) {
    const row = byId.get(observations.text());
    if (row === undefined) observations.skipLine();
    else readObservation(observations, row, sources, sourceIds);
  }
  return rows;
}

/** What judging one range's texts found: rows to write, rows that need matching, and the counts. */
export interface JudgedRange {
  changes: CatalogScoreChange[];
  /** Rows whose stored suppression predates the last warninglist change: the id path matches them. */
  toMatch: string[];
  judged: CatalogScoreStats;
  /** The greatest id seen in an open-ended range (`through` null); `lastId` otherwise. */
  lastId: string;
}

/**
 * Judges a range's texts in Node (parse, engine, compare; no I/O): each row as soon as its lines are read
 * (`visitRangeRows`), or, when lines come out of id order, from `parseRange`. The bench's Node-only harness
 * times this apart from the statement and the writes.
 */
export function judgeRangeText(
  text: CatalogRangeText,
  range: CatalogRange,
  options: { now: number; model: ScoringModel; sources: ReadonlyMap<string, SourceInfo> },
  lastIdBefore: string,
): JudgedRange {
  let changes: CatalogScoreChange[] = [];
  let toMatch: string[] = [];
  // Counted per range and returned, so a range judged again (lines out of id order) counts once.
  let judged: CatalogScoreStats = { examined: 0, changed: 0, membershipChanged: 0, changedIds: [] };
  let lastId = lastIdBefore;
  const judge = (row: StoredRow) => {
    if (range.through === null && row.id > lastId) lastId = row.id;
    if (!(row.type in options.model.types)) return;
    if (!row.suppression_current) {
      toMatch.push(row.id);
      return;
    }
    judged.examined++;
    const change = judgeStoredRow(row, toScoringInput(row), undefined, options, judged);
    if (change !== null) changes.push(change);
  };
  if (!visitRangeRows(text, options.sources, judge)) {
    changes = [];
    toMatch = [];
    judged = { examined: 0, changed: 0, membershipChanged: 0, changedIds: [] };
    lastId = lastIdBefore;
    for (const row of parseRange(text, options.sources)) judge(row);
  }
  return { changes, toMatch, judged, lastId };
}

async function rescoreRange(
  tx: DbTransaction,
  range: CatalogRange,
  text: CatalogRangeText,
  options: { now: number; model: ScoringModel; context: PassContext },
  stats: CatalogPassStats,
): Promise<void> {
  if (text.indicators === null) return;
  const { changes, toMatch, judged, lastId } = judgeRangeText(
    text,
    range,
    { now: options.now, model: options.model, sources: options.context.sources },
    stats.lastId,
  );
  if (lastId > stats.lastId) stats.lastId = lastId;
  stats.examined += judged.examined;
  stats.membershipChanged += judged.membershipChanged;
  if (changes.length > 0) await writeCatalogScores(tx, changes, options.now);
  stats.changed += changes.length;
  for (const change of changes) stats.changedIds.push(change.id);
  if (toMatch.length > 0) {
    const matched = await scoreCatalogIndicators(tx, toMatch, options);
    stats.matched += toMatch.length;
    stats.examined += matched.examined;
    stats.changed += matched.changed;
    stats.membershipChanged += matched.membershipChanged;
    for (const id of matched.changedIds) stats.changedIds.push(id);
  }
}
