import { newId } from "@threatfusion/core";
import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import type { PrivateIndicatorRow } from "./rows.ts";

export interface PrivateUpsertResult {
  new: number;
  changed: number;
  unchanged: number;
  /** New and changed rows with their `type\0value` key, for attribution to chunks and the tenant's hand-off. */
  touched: { id: string; key: string; outcome: "new" | "changed" }[];
}

const tagSeparator = "\u001f";

function mergeDuplicates(rows: readonly PrivateIndicatorRow[]): PrivateIndicatorRow[] {
  const byKey = new Map<string, PrivateIndicatorRow>();
  for (const row of rows) {
    const key = `${row.type}\u0000${row.value}`;
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, { ...row, tags: [...new Set(row.tags)] });
      continue;
    }
    existing.firstSeen =
      Date.parse(row.firstSeen) < Date.parse(existing.firstSeen) ? row.firstSeen : existing.firstSeen;
    existing.lastSeen =
      Date.parse(row.lastSeen) > Date.parse(existing.lastSeen) ? row.lastSeen : existing.lastSeen;
    existing.confidence = row.confidence ?? existing.confidence;
    existing.score = row.score;
    existing.tags = [...new Set([...existing.tags, ...row.tags])];
    existing.description = row.description ?? existing.description;
    existing.context = { ...existing.context, ...row.context };
  }
  // Sorted so that concurrent writers of one tenant lock rows in the same order.
  return [...byKey.values()].sort((a, b) =>
    a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
  );
}

/**
 * Upserts a tenant's private indicators (run it inside `withTenantTx` for that tenant: row-level security
 * pins every row to it). The merge mirrors the global bulk path: seen range widens, tags are united, context
 * merged, and a row whose merge changes nothing is not written, so a replayed chunk reports only unchanged.
 */
export async function upsertPrivateIndicators(
  tx: DbTransaction,
  tenantId: string,
  input: readonly PrivateIndicatorRow[],
  options: { batchSize?: number } = {},
): Promise<PrivateUpsertResult> {
  const rows = mergeDuplicates(input);
  const result: PrivateUpsertResult = { new: 0, changed: 0, unchanged: 0, touched: [] };
  const batchSize = options.batchSize ?? 5_000;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const { rows: written } = await tx.execute<{
      id: string;
      type: string;
      value: string;
      inserted: boolean;
    }>(sql`
      insert into private_indicators as p
        (id, tenant_id, type, value, first_seen, last_seen, confidence, score, tlp, tags, description, context)
      select u.id, ${tenantId}, u.type, u.value, u.first_seen, u.last_seen, u.confidence, u.score, u.tlp,
             case when u.tags = '' then '{}'::text[] else string_to_array(u.tags, chr(31)) end,
             u.description, u.context
      from unnest(${sql.param(batch.map(() => newId("privateIndicator")))}::text[],
                  ${sql.param(batch.map((row) => row.type))}::text[],
                  ${sql.param(batch.map((row) => row.value))}::text[],
                  ${sql.param(batch.map((row) => row.firstSeen))}::timestamptz[],
                  ${sql.param(batch.map((row) => row.lastSeen))}::timestamptz[],
                  ${sql.param(batch.map((row) => row.confidence))}::smallint[],
                  ${sql.param(batch.map((row) => row.score))}::smallint[],
                  ${sql.param(batch.map((row) => row.tlp))}::text[],
                  ${sql.param(batch.map((row) => [...row.tags].sort().join(tagSeparator)))}::text[],
                  ${sql.param(batch.map((row) => row.description))}::text[],
                  ${sql.param(batch.map((row) => JSON.stringify(row.context)))}::jsonb[])
        as u(id, type, value, first_seen, last_seen, confidence, score, tlp, tags, description, context)
      on conflict (tenant_id, type, value) do update set
        first_seen = least(p.first_seen, excluded.first_seen),
        last_seen = greatest(p.last_seen, excluded.last_seen),
        confidence = coalesce(excluded.confidence, p.confidence),
        score = excluded.score,
        tags = case when excluded.tags <@ p.tags then p.tags
                    else array(select distinct t from unnest(p.tags || excluded.tags) as t order by t) end,
        description = coalesce(excluded.description, p.description),
        context = p.context || excluded.context,
        updated_at = now()
      where excluded.first_seen < p.first_seen
         or excluded.last_seen > p.last_seen
         or (excluded.confidence is not null and excluded.confidence is distinct from p.confidence)
         or excluded.score <> p.score
         or not (excluded.tags <@ p.tags)
         or (excluded.description is not null and excluded.description is distinct from p.description)
         or not (p.context @> excluded.context)
      returning p.id, p.type, p.value, (p.xmax = 0) as inserted`);
    for (const row of written) {
      const outcome = row.inserted ? "new" : "changed";
      result[outcome]++;
      result.touched.push({ id: row.id, key: `${row.type}\u0000${row.value}`, outcome });
    }
    result.unchanged += batch.length - written.length;
  }
  return result;
}
