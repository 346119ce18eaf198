import { withIngestTx } from "@threatfusion/db";
import { indexIndicators, type MeilisearchSearch } from "@threatfusion/search";
import { onIndicatorsChanged } from "../ingestion/after-indicators-changed.ts";

let meilisearch: MeilisearchSearch | undefined;

/**
 * Also send catalog search documents to Meilisearch (when `MEILISEARCH_URL` is configured); the Postgres
 * search table is always maintained.
 */
export function useMeilisearchForIndexing(backend: MeilisearchSearch | undefined): void {
  meilisearch = backend;
}

// Search indexing plugs into ingestion's one hook: every applied chunk of a global feed re-indexes the
// catalog rows it changed (idempotent, so at-least-once delivery is fine). Private indicators need no
// index: the Postgres backend searches the tenant's (small) tables directly.
onIndicatorsChanged(async (change, context) => {
  if (change.scope !== "global") return;
  const documents = await withIngestTx({ db: context.ingestDb }, (tx) =>
    indexIndicators(tx, change.indicatorIds),
  );
  await meilisearch?.indexDocuments(documents);
});
