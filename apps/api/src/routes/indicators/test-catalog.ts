import { newId } from "@threatfusion/core";
import { createDatabase, withIngestTx } from "@threatfusion/db";
import { indexIndicators } from "@threatfusion/search";
import { adminDatabaseConfig, adminQuery } from "../../testing/identity.ts";

export interface TestCatalog {
  sourceId: string;
  sourceName: string;
  /** value -> indicator id */
  ids: Map<string, string>;
}

/**
 * Worker-test fixture: global catalog indicators under a fresh global source, with observations and
 * search documents, written through the owner connection (as ingestion would have).
 */
export async function seedTestCatalog(
  rows: {
    type: string;
    value: string;
    tags?: string[];
    malwareFamily?: string;
    score?: number;
    lastSeen?: string;
  }[],
): Promise<TestCatalog> {
  const sourceId = newId("source");
  const sourceName = `Worker test source ${sourceId.slice(-6)}`;
  await adminQuery("insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, 'B')", [
    sourceId,
    sourceName,
  ]);
  const ids = new Map<string, string>();
  const now = new Date().toISOString();
  for (const row of rows) {
    // The catalog is shared by every suite of the run: a value another suite (or the dev mirror's samples)
    // already loaded is taken over with this suite's facts instead of colliding on (type, value).
    const [stored] = await adminQuery<{ id: string }>(
      `insert into indicators (id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags)
       values ($1, $2, $3, $4, $5, 70, $6, 'green', $7::text[])
       on conflict (type, value) do update
         set last_seen = excluded.last_seen, base_score = excluded.base_score, tags = excluded.tags
       returning id`,
      [
        newId("indicator"),
        row.type,
        row.value,
        row.lastSeen ?? now,
        row.lastSeen ?? now,
        row.score ?? 60,
        row.tags ?? [],
      ],
    );
    if (!stored) throw new Error(`could not seed ${row.type} ${row.value}`);
    const id = stored.id;
    ids.set(row.value, id);
    await adminQuery(
      `insert into observations (id, indicator_id, source_id, first_seen, last_seen, malware_family)
       values ($1, $2, $3, $4, $4, $5)`,
      [newId("observation"), id, sourceId, row.lastSeen ?? now, row.malwareFamily ?? null],
    );
  }
  const handle = createDatabase(adminDatabaseConfig(), { max: 1 });
  try {
    await withIngestTx({ db: handle.db }, (tx) => indexIndicators(tx, [...ids.values()]));
  } finally {
    await handle.end().catch(() => {});
  }
  return { sourceId, sourceName, ids };
}
