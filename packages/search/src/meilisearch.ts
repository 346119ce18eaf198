import { Meilisearch } from "meilisearch";
import type { SearchDocument } from "./indexing.ts";
import type { SearchBackend, SearchQuery, SearchResult, SearchScope } from "./types.ts";

/** The tenant value of catalog documents: readable by every tenant. */
export const globalTenant = "global";

export interface MeilisearchConfig {
  url: string;
  apiKey?: string | undefined;
  /** Index uid (default `indicators`). */
  index?: string | undefined;
}

/** A document as stored in Meilisearch: the search document plus the tenant that may read it. */
export interface MeilisearchDocument extends SearchDocument {
  tenant: string;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/**
 * Meilisearch backend (docs/adr/0004): catalog documents carry `tenant: "global"`, tenant documents their
 * tenant id, and every search is filtered to `global` plus the acting tenant, taken from the scope (the
 * authenticated actor), never from the query. Its hits are candidates only: the caller reads them back
 * through the tenant's active-indicators query in Postgres.
 */
export class MeilisearchSearch implements SearchBackend {
  readonly name = "meilisearch";
  readonly #client: Meilisearch;
  readonly #index: string;

  constructor(config: MeilisearchConfig) {
    this.#client = new Meilisearch({ host: config.url, ...(config.apiKey ? { apiKey: config.apiKey } : {}) });
    this.#index = config.index ?? "indicators";
  }

  /** Declares the filterable attributes (once per deployment; idempotent). */
  async configure(): Promise<void> {
    await this.#client.index(this.#index).updateFilterableAttributes(["tenant", "type"]).waitTask();
  }

  /** Adds or replaces documents: catalog ones as `global`, or a tenant's own. */
  async indexDocuments(documents: readonly SearchDocument[], tenant: string = globalTenant): Promise<void> {
    if (documents.length === 0) return;
    const rows: MeilisearchDocument[] = documents.map((document) => ({ ...document, tenant }));
    await this.#client.index(this.#index).addDocuments(rows, { primaryKey: "id" }).waitTask();
  }

  async search(scope: SearchScope, query: SearchQuery): Promise<SearchResult> {
    const text = query.text.trim();
    if (text === "") return { hits: [], more: false };
    const filters = [`tenant IN [${quote(globalTenant)}, ${quote(scope.tenantId)}]`];
    if (query.types !== undefined) filters.push(`type IN [${query.types.map(quote).join(", ")}]`);
    const response = await this.#client.index(this.#index).search(text, {
      filter: filters.join(" AND "),
      // Meilisearch pages relevance results by position only (its ties are not ordered by our ids), so it
      // continues from the depth the cursor carries; the keyset position serves the Postgres backend.
      limit: query.limit + 1,
      offset: query.depth,
      attributesToRetrieve: ["id", "tenant"],
      showRankingScore: true,
    });
    const hits = response.hits
      // Defence in depth: a document of another tenant never leaves, whatever the server answered.
      .filter((hit) => hit.tenant === globalTenant || hit.tenant === scope.tenantId)
      .map((hit) => ({ id: String(hit.id), score: Number(hit._rankingScore ?? 0) }));
    return { hits: hits.slice(0, query.limit), more: hits.length > query.limit };
  }
}
