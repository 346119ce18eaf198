import type { DbTransaction } from "@threatfusion/db";

/** What a search asks for: free text over values, tags and context, optionally narrowed by type. */
export interface SearchQuery {
  text: string;
  /** Our indicator types (`ipv4`, `domain`, …). */
  types?: readonly string[] | undefined;
  /** Hits wanted, 1–500. */
  limit: number;
  /** Keyset position: only hits ranked after this one (score descending, then id ascending). */
  after?: SearchPosition | undefined;
  /** How many hits earlier pages returned (0 for the first page; at most `maxSearchDepth`). */
  depth: number;
}

/** Where a page of relevance-ranked hits ended: the last hit's score and id. */
export interface SearchPosition {
  score: number;
  id: string;
}

/** One candidate: an indicator id (`ind_…` or `pin_…`) and its relevance (higher is better). */
export interface SearchHit {
  id: string;
  score: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** True when more hits may follow this page. */
  more: boolean;
}

/**
 * Where a search runs: inside the tenant's transaction (`tx`, row-level security applies) for the acting
 * tenant. The tenant comes from the authenticated actor, never from the query.
 */
export interface SearchScope {
  tx: DbTransaction;
  tenantId: string;
}

/**
 * One search interface, two backends (docs/adr/0004): Postgres full-text + trigram (default) and
 * Meilisearch (when configured). Both answer candidate ids with a relevance score; the caller reads them
 * through the tenant's active-indicators query, so what a tenant sees never depends on the backend.
 */
export interface SearchBackend {
  readonly name: "postgres" | "meilisearch";
  search(scope: SearchScope, query: SearchQuery): Promise<SearchResult>;
}

/** Longest search text accepted. */
export const maxSearchText = 512;
/** Deepest position a search pages to. */
export const maxSearchDepth = 1_000;
