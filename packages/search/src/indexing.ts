import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";

/** A search document of a catalog indicator: what both backends index. */
export interface SearchDocument {
  id: string;
  type: string;
  value: string;
  /** Tags, malware families, threat types and source names, space-separated. */
  terms: string;
}

/**
 * Refreshes the Postgres search documents of these catalog indicators (new or changed ones, as the bulk
 * path reports them). Run it in an ingestion transaction (`withIngestTx`): the search table is part of the
 * global catalog. The ingestion hook `afterIndicatorsChanged(ids)` calls it; it is idempotent.
 * Returns the documents written, for a second backend (Meilisearch) to index too.
 */
export async function indexIndicators(tx: DbTransaction, ids: readonly string[]): Promise<SearchDocument[]> {
  if (ids.length === 0) return [];
  const documents: SearchDocument[] = [];
  for (let start = 0; start < ids.length; start += 5_000) {
    const batch = ids.slice(start, start + 5_000);
    const { rows } = await tx.execute<{ id: string; type: string; value: string; terms: string }>(sql`
      insert into indicator_search as s (indicator_id, type, value, terms, document, updated_at)
      select i.id, i.type, i.value, t.terms, to_tsvector('simple', i.value || ' ' || t.terms), now()
      from indicators i
      cross join lateral (
        select concat_ws(' ', array_to_string(i.tags, ' '),
                 (select string_agg(distinct term, ' ') from (
                    select o.malware_family as term from observations o where o.indicator_id = i.id
                    union select o.threat_type from observations o where o.indicator_id = i.id
                    union select src.name from observations o join sources src on src.id = o.source_id
                      where o.indicator_id = i.id) as terms
                  where term is not null)) as terms
      ) as t
      where i.id = any(${sql.param(batch)}::text[])
      on conflict (indicator_id) do update set
        type = excluded.type, value = excluded.value, terms = excluded.terms, document = excluded.document,
        updated_at = excluded.updated_at
      returning s.indicator_id as id, s.type, s.value, s.terms`);
    documents.push(...rows);
  }
  return documents;
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
