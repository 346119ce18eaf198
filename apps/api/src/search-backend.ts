import { type Config, searchBackendInUse } from "@threatfusion/core";
import { createSearchBackend, MeilisearchSearch, type SearchBackend } from "@threatfusion/search";
import { useMeilisearchForIndexing } from "@threatfusion/services";

/**
 * The search backend the configuration asks for: Postgres full text + trigram by default, Meilisearch when
 * `MEILISEARCH_URL` (and its key) is set and `SEARCH_BACKEND` does not force Postgres (docs/adr/0004).
 */
export function searchBackendFromConfig(config: Config): SearchBackend {
  return createSearchBackend({
    backend: searchBackendInUse(config),
    meilisearchUrl: config.MEILISEARCH_URL,
    meilisearchApiKey: config.MEILISEARCH_API_KEY,
  });
}

/**
 * Points search indexing at Meilisearch too when it is the configured backend (and away from it when not):
 * every batch of changed indicators then also goes there (the Postgres search table is always kept).
 * Called by the Worker's queue handler before each delivery, whose listeners do the indexing.
 */
export function configureSearchIndexing(config: Config): void {
  const backend = searchBackendFromConfig(config);
  useMeilisearchForIndexing(backend instanceof MeilisearchSearch ? backend : undefined);
}
