import { catalogIndicatorTypes, fullSearchDocument } from "@threatfusion/db";
import { type SQL, sql } from "drizzle-orm";
import type { SearchBackend, SearchQuery, SearchResult, SearchScope } from "./types.ts";

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * Types searched by exact value or prefix only (`203.0.113.`, `2001:db8:`, a hash's first characters), through
 * the catalog's unique (type, value) btree: their search documents carry no trigram entries (migration 0071,
 * whose index predicate names the same list; a test keeps them equal). A substring in the middle of an IP or a
 * hash is no search anyone makes, and the trigrams of these values were the largest write cost of a document.
 * Their canonical values are lower case, so a prefix is matched in lower case.
 */
export const prefixSearchedTypes = ["ipv4", "ipv6", "cidr", "md5", "sha1", "sha256", "sha512"] as const;
const prefixSearched: ReadonlySet<string> = new Set(prefixSearchedTypes);
// A literal, not a parameter: the planner proves the partial trigram index usable from this very text.
const prefixSearchedList = sql.raw(prefixSearchedTypes.map((type) => `'${type}'`).join(", "));

/**
 * Postgres search: substring (trigram index) and full-text matches over the catalog's search documents
 * (value, tags, malware families, threat types, source names; IPs, CIDRs and hashes by exact value or prefix
 * through the catalog's btree, see `prefixSearchedTypes`), plus the tenant's own rows: private
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
    const prefixTypes = prefixSearchedTypes.filter((type) => types === undefined || types.includes(type));
    const substringTypesAsked = types === undefined || types.some((type) => !prefixSearched.has(type));
    // Trigram indexes need at least three characters; shorter text matches exact values and words only.
    const substring = lower.length >= 3;
    // Written into each arm, not shared through a CTE: a CTE read by several arms is materialized, and a
    // query held in one is no constant the planner can give the tsvector index.
    const tsQuery = sql`plainto_tsquery('simple', ${text})`;
    // The whole document, value included: the stored one leaves out the word that is the value
    // (`storedSearchDocument` in packages/db); matches and ranks are the same as with the value stored.
    const wholeDocument = fullSearchDocument(sql`s.value`, sql`s.terms`);
    // One ranking for every arm: exact value 4, value prefix 3, value substring 2, plus the full-text rank.
    const documentScore = sql`case when s.value = ${text} or s.value = ${lower} then 4
                     when ${substring} and s.value ilike ${prefixPattern} then 3
                     when ${substring} and s.value ilike ${pattern} then 2 else 0 end
                + ts_rank(${wholeDocument}, ${tsQuery})`;
    const arms: SQL[] = [
      // Every document's words (tags, families, threat types, source names, the value's words unless the value
      // is a single word: the next arm).
      sql`(select s.indicator_id as id, ${documentScore} as score
         from indicator_search s
         where ${typeCondition(sql`s.type`)} and s.document @@ ${tsQuery}
         limit ${window * 4})`,
    ];
    const valueWordTypes = catalogIndicatorTypes.filter(
      (type) => types === undefined || types.includes(type),
    );
    if (valueWordTypes.length > 0) {
      // Stored documents leave out the word that is the value: a query holding the value as one of its words
      // reaches the row by the catalog's (type, value) btree (the query's words are constants when planned) and
      // is checked against the whole document. A query without the value is answered by the first arm.
      arms.push(sql`(select s.indicator_id as id, ${documentScore} as score
         from indicators i join indicator_search s on s.indicator_id = i.id
         where i.type = any(${sql.param(valueWordTypes)}::text[])
           and i.value = any(tsvector_to_array(to_tsvector('simple', ${text})))
           and ${wholeDocument} @@ ${tsQuery}
         limit ${window * 4})`);
    }
    if (substringTypesAsked) {
      // Values where a substring means something: the partial trigram index.
      arms.push(sql`(select s.indicator_id as id, ${documentScore} as score
         from indicator_search s
         where s.type not in (${prefixSearchedList}) and ${typeCondition(sql`s.type`)}
           and (s.value = ${text} or s.value = ${lower} or (${substring} and s.value ilike ${pattern}))
         limit ${window * 4})`);
    }
    if (prefixTypes.length > 0) {
      // IPs, CIDRs, hashes: exact value or prefix through the catalog's (type, value) btree; only rows that
      // have a search document, as for every other type.
      // The prefix includes the exact value (lower case, as these values are stored).
      const valueMatch = substring ? sql`i.value like ${`${escapeLike(lower)}%`}` : sql`i.value = ${lower}`;
      arms.push(sql`(select s.indicator_id as id, ${documentScore} as score
         from indicators i join indicator_search s on s.indicator_id = i.id
         where i.type = any(${sql.param(prefixTypes)}::text[]) and ${valueMatch}
         limit ${window * 4})`);
    }
    const { rows } = await scope.tx.execute<{ id: string; score: number }>(sql`
      select id, score from (
      select id, max(score)::float8 as score from (
        ${sql.join(arms, sql`\n        union all\n        `)}
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
