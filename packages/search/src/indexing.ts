import {
  type DbTransaction,
  insertNewSearchDocuments,
  searchTermsText,
  storedSearchDocument,
  textArrayLiteral,
} from "@threatfusion/db";
import { sql } from "drizzle-orm";

/** A search document of a catalog indicator: what both backends index. */
export interface SearchDocument {
  id: string;
  type: string;
  value: string;
  /** Tags, malware families, threat types and source names, space-separated. */
  terms: string;
}

export interface IndexOptions {
  /**
   * Return the documents written (for a second backend: Meilisearch). Default true. Without it, nothing
   * travels back: the statement writes and answers a count.
   */
  returnDocuments?: boolean;
}

/** Ids per statement: bounded parameter size and memory for the aggregation. */
const idsPerStatement = 5_000;

/**
 * Refreshes the Postgres search documents of these catalog indicators (new or changed ones, as the bulk
 * path reports them). Run it in an ingestion transaction (`withIngestTx`): the search table is part of the
 * global catalog. The ingestion hook `afterIndicatorsChanged(ids)` calls it; it is idempotent.
 *
 * Set-based: the terms of all ids come from one grouped pass over their observations (not three lookups
 * per indicator), and a document whose searchable content (type, value, terms) did not change is not
 * written again: a feed seen again moves last-seen on every row, which changes nothing here, so those rows
 * cost no write and no GIN index entries. Returns the documents written, for a second backend to index too.
 */
export async function indexIndicators(
  tx: DbTransaction,
  ids: readonly string[],
  options: IndexOptions = {},
): Promise<SearchDocument[]> {
  if (ids.length === 0) return [];
  const returning = options.returnDocuments ?? true;
  const documents: SearchDocument[] = [];
  for (let start = 0; start < ids.length; start += idsPerStatement) {
    const batch = sql.param(ids.slice(start, start + idsPerStatement));
    const { rows } = await tx.execute<{ id: string; type: string; value: string; terms: string }>(sql`
      with observed as (
        select o.indicator_id, string_agg(distinct t.term, ' ') as terms
        from observations o
        join sources src on src.id = o.source_id
        cross join lateral (values (o.malware_family), (o.threat_type), (src.name)) as t(term)
        where o.indicator_id = any(${batch}::text[]) and t.term <> ''
        group by o.indicator_id
      ), fresh as (
        select i.id, i.type, i.value,
               concat_ws(' ', array_to_string(i.tags, ' '), observed.terms) as terms
        from indicators i left join observed on observed.indicator_id = i.id
        where i.id = any(${batch}::text[])
      )
      insert into indicator_search as s (indicator_id, type, value, terms, document, updated_at)
      select id, type, value, terms, ${storedSearchDocument(sql`type`, sql`value`, sql`terms`)}, now() from fresh
      on conflict (indicator_id) do update set
        type = excluded.type, value = excluded.value, terms = excluded.terms, document = excluded.document,
        updated_at = excluded.updated_at
      where (s.type, s.value, s.terms) is distinct from (excluded.type, excluded.value, excluded.terms)
      ${returning ? sql`returning s.indicator_id as id, s.type, s.value, s.terms` : sql``}`);
    if (returning) documents.push(...rows);
  }
  return documents;
}

/** A catalog row the caller has just inserted, with the terms of the observations it wrote for it. */
export interface NewIndicatorTerms {
  id: string;
  /** Malware families, threat types and source names of its observations (duplicates allowed). */
  terms: readonly string[];
}

/**
 * Writes the search documents of catalog rows inserted in this same transaction, from the observation terms
 * the caller wrote with them: no observation is read back (a new row has no other observations yet). The
 * documents are the ones `indexIndicators` writes for the same rows (terms distinct and sorted by the
 * database, tags first). Rows that already existed go through `indexIndicators`, which reads all sources.
 */
export async function indexNewIndicators(
  tx: DbTransaction,
  rows: readonly NewIndicatorTerms[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += idsPerStatement) {
    const batch = rows.slice(start, start + idsPerStatement);
    const ids = textArrayLiteral(batch.map((row) => row.id));
    // `i.id = any(ids)` as well as the join: with the join alone the planner hashes a sequential scan of the
    // whole catalog (measured: 217 ms per 5,000 ids at 200,000 rows, growing with the table) instead of
    // probing the primary key (20 ms).
    await tx.execute(
      insertNewSearchDocuments(sql`(select i.id, i.type, i.value, i.tags, u.terms
        from indicators i
        join unnest(${ids}::text[],
                    ${textArrayLiteral(batch.map((row) => searchTermsText(row.terms)))}::text[])
          as u(id, terms) on u.id = i.id
        where i.id = any(${ids}::text[]))`),
    );
  }
}

/**
 * Indexes the whole catalog page by page (after a restore, or to build the table the first time).
 * Returns the number of documents written.
 */
export async function reindexAllIndicators(
  runInIngestTx: <T>(fn: (tx: DbTransaction) => Promise<T>) => Promise<T>,
  options: { pageSize?: number } = {},
): Promise<number> {
  const pageSize = options.pageSize ?? 20_000;
  let after = "";
  let total = 0;
  for (;;) {
    const written = await runInIngestTx(async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`select id from indicators where id > ${after} order by id limit ${pageSize}`,
      );
      await indexIndicators(
        tx,
        rows.map((row) => row.id),
      );
      return rows.map((row) => row.id);
    });
    total += written.length;
    const last = written[written.length - 1];
    if (last === undefined || written.length < pageSize) return total;
    after = last;
  }
}
