import { type DbTransaction, withIngestTx, withTenantTx } from "@threatfusion/db";
import { indexIndicators, type MeilisearchSearch, type SearchDocument } from "@threatfusion/search";
import { sql } from "drizzle-orm";
import { type IndicatorChangeContext, onIndicatorsChanged } from "../ingestion/after-indicators-changed.ts";

let meilisearch: MeilisearchSearch | undefined;
// The index's filterable attributes are declared once per isolate, before its first documents.
let configured: Promise<void> | undefined;

/**
 * Also send search documents to Meilisearch (when `MEILISEARCH_URL` is configured; the Worker's queue
 * handler calls this from its configuration); the Postgres search table is always maintained.
 */
export function useMeilisearchForIndexing(backend: MeilisearchSearch | undefined): void {
  if (backend !== meilisearch) configured = undefined;
  meilisearch = backend;
}

async function meilisearchReady(): Promise<MeilisearchSearch | undefined> {
  const backend = meilisearch;
  if (backend === undefined) return undefined;
  configured ??= backend.configure().catch((error: unknown) => {
    configured = undefined;
    throw error;
  });
  await configured;
  return backend;
}

/** Meilisearch documents of a tenant's private indicators (value, tags and description as terms). */
async function privateDocuments(
  context: IndicatorChangeContext,
  tenantId: string,
  ids: readonly string[],
): Promise<SearchDocument[]> {
  return withTenantTx({ db: context.appDb, tenantId }, async (tx) => {
    const { rows } = await tx.execute<{ id: string; type: string; value: string; terms: string }>(sql`
      select id, type, value, concat_ws(' ', array_to_string(tags, ' '), description) as terms
      from private_indicators where tenant_id = ${tenantId} and id = any(${sql.param([...ids])}::text[])`);
    return rows;
  });
}

/**
 * Search documents of a global delivery are written by the consumer inside its apply transaction (the rows
 * are still in cache, the work is split over the apply's parallel groups): new rows by the upsert statement
 * itself (`upsertIndicators`' `searchDocuments`, from the terms the consumer hands over, no observation read
 * back), rows that existed here, from all their sources. Only without Meilisearch (`searchIndexedAtApply`):
 * Meilisearch needs the documents that changed, which the after-change listener collects as before; the
 * hand-off marks the change `searchIndexed` and the listener leaves it alone.
 */
export async function indexChangedInTransaction(
  tx: DbTransaction,
  changedIds: readonly string[],
): Promise<void> {
  await indexIndicators(tx, changedIds, { returnDocuments: false });
}

/** Whether global deliveries are indexed in their apply transaction (see `indexChangedInTransaction`). */
export function searchIndexedAtApply(): boolean {
  return meilisearch === undefined;
}

// Search indexing plugs into ingestion's one hook: every applied chunk of a global feed re-indexes the
// catalog rows it changed (idempotent, so at-least-once delivery is fine). Private indicators need no
// Postgres index (that backend searches the tenant's small tables directly); Meilisearch gets them as
// documents of their tenant.
onIndicatorsChanged(async (change, context) => {
  if (change.scope === "private") {
    const backend = await meilisearchReady();
    if (backend === undefined) return;
    const documents = await privateDocuments(context, change.tenantId, change.indicatorIds);
    await backend.indexDocuments(documents, change.tenantId);
    return;
  }
  // Written with the delivery already (no Meilisearch to feed): nothing left to do.
  if (change.searchIndexed === true && meilisearch === undefined) return;
  // Without Meilisearch nothing needs the documents back: the statement then returns no rows.
  const returnDocuments = meilisearch !== undefined;
  const documents = await withIngestTx({ db: context.ingestDb }, (tx) =>
    indexIndicators(tx, change.indicatorIds, { returnDocuments }),
  );
  await (await meilisearchReady())?.indexDocuments(documents);
}, "search");
