import { type SQL, sql } from "drizzle-orm";
import type { SearchBackend, SearchQuery, SearchResult, SearchScope } from "./types.ts";

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Postgres search: substring (trigram index) and full-text matches over the catalog's search documents
 * (value, tags, malware families, threat types, source names), plus the tenant's own rows: private
 * indicators visible to it (value, tags, description) and its overlay notes and tags. Runs in the tenant's
 * transaction, so row-level security applies on top of the explicit tenant conditions.
 * Ranking: exact value, then value prefix, then value substring, then full-text rank; pages continue from a
 * keyset position (score, id), not an offset.
 */
export class PostgresSearch implements SearchBackend {
  readonly name = "postgres";

  async search(scope: SearchScope, query: SearchQuery): Promise<SearchResult> {
    const text = query.text.trim();
    if (text === "") return { hits: [], more: false };
    const lower = text.toLowerCase();
    const pattern = likePattern(text);
    const prefixPattern = `${pattern.slice(1)}`;
    // Each source contributes at most this many candidates before ranking (earlier pages included).
    const window = query.depth + query.limit + 1;
    const after = query.after;
    const keyset =
      after === undefined
        ? sql`true`
        : sql`(ranked.score < ${after.score}::float8 or (ranked.score = ${after.score}::float8 and ranked.id > ${after.id}))`;
    const types = query.types === undefined ? undefined : [...query.types];
    const typeCondition = (column: SQL) =>
      types === undefined ? sql`true` : sql`${column} = any(${sql.param(types)}::text[])`;
    // Trigram indexes need at least three characters; shorter text matches exact values and words only.
    const substring = lower.length >= 3;
    const { rows } = await scope.tx.execute<{ id: string; score: number }>(sql`
      with q as (select plainto_tsquery('simple', ${text}) as ts)
      select id, score from (
      select id, max(score)::float8 as score from (
        (select s.indicator_id as id,
                case when s.value = ${text} or s.value = ${lower} then 4
                     when ${substring} and s.value ilike ${prefixPattern} then 3
                     when ${substring} and s.value ilike ${pattern} then 2 else 0 end
                + ts_rank(s.document, q.ts) as score
         from indicator_search s, q
         where ${typeCondition(sql`s.type`)}
           and (s.value = ${text} or s.value = ${lower} or (${substring} and s.value ilike ${pattern})
                or s.document @@ q.ts)
         limit ${window * 4})
        union all
        (select p.id, case when p.value = ${text} or p.value = ${lower} then 4 when p.value ilike ${pattern} then 2 else 1 end
         from private_indicators p
         where (p.tenant_id = ${scope.tenantId} or p.tenant_id = (select tf_parent_tenant()))
           and ${typeCondition(sql`p.type`)}
           and (p.value = ${text} or p.value = ${lower} or (${substring} and p.value ilike ${pattern}) or ${text} = any(p.tags)
                or (${substring} and p.description ilike ${pattern}))
         limit ${window * 4})
        union all
        (select ti.indicator_id, 1.5
         from tenant_indicators ti join indicators i on i.id = ti.indicator_id
         where ti.tenant_id = ${scope.tenantId} and ${typeCondition(sql`i.type`)}
           and (${text} = any(ti.tags) or (${substring} and ti.notes ilike ${pattern}))
         limit ${window * 4})
      ) as hits
      group by id
      ) as ranked
      where ${keyset}
      order by score desc, id
      limit ${query.limit + 1}`);
    const more = rows.length > query.limit;
    return {
      hits: rows.slice(0, query.limit).map((row) => ({ id: row.id, score: Number(row.score) })),
      more,
    };
  }
}
