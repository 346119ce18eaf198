export * from "./indexing.ts";
export * from "./meilisearch.ts";
export * from "./postgres.ts";
export * from "./types.ts";

import { MeilisearchSearch } from "./meilisearch.ts";
import { PostgresSearch } from "./postgres.ts";
import type { SearchBackend } from "./types.ts";

/** Which backend the configuration asks for (`SEARCH_BACKEND`, `MEILISEARCH_URL`; see core `searchBackendInUse`). */
export function createSearchBackend(config: {
  backend: "postgres" | "meilisearch";
  meilisearchUrl?: string | undefined;
  meilisearchApiKey?: string | undefined;
}): SearchBackend {
  if (config.backend === "meilisearch" && config.meilisearchUrl) {
    return new MeilisearchSearch({ url: config.meilisearchUrl, apiKey: config.meilisearchApiKey });
  }
  return new PostgresSearch();
}
