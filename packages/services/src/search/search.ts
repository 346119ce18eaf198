import { AppError } from "@threatfusion/core";
import type { IndicatorType } from "@threatfusion/ioc";
import { maxSearchDepth, maxSearchText, PostgresSearch, type SearchBackend } from "@threatfusion/search";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { selectActiveIndicators } from "../indicators/active-indicators.ts";
import { type IndicatorView, toIndicatorView } from "../indicators/view.ts";

export interface SearchInput {
  q: string;
  types?: IndicatorType[] | undefined;
  limit?: number | undefined;
  /** Opaque cursor from the previous page. */
  cursor?: string | undefined;
}

export interface SearchHitView {
  score: number;
  indicator: IndicatorView;
}

export interface SearchResults {
  backend: "postgres" | "meilisearch";
  items: SearchHitView[];
  nextCursor: string | null;
}

const postgres = new PostgresSearch();

function decodePosition(cursor: string | undefined): number {
  if (cursor === undefined || cursor === "") return 0;
  const match = /^p(\d{1,4})$/.exec(cursor);
  const position = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isInteger(position) || position > maxSearchDepth) {
    throw new AppError("VALIDATION_FAILED", "cursor: is not a cursor this server issued");
  }
  return position;
}

/**
 * Full-text search over values, tags and context through the configured backend (Postgres by default,
 * Meilisearch when configured: `ctx`'s caller passes it). Hits are read back through the tenant's
 * active-indicators query, so results show exactly what the tenant may see, in the same shape whichever
 * backend found them. Relevance-ranked results page by position (cursor), at most 1,000 deep.
 */
export async function searchIndicators({
  ctx,
  input,
  backend = postgres,
}: {
  ctx: ServiceContext;
  input: SearchInput;
  backend?: SearchBackend;
}): Promise<SearchResults> {
  authorizeAction(ctx, "search.read");
  const text = input.q.trim();
  if (text.length === 0 || text.length > maxSearchText) {
    throw new AppError("VALIDATION_FAILED", `q: between 1 and ${maxSearchText} characters`);
  }
  const offset = decodePosition(input.cursor);
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const result = await backend.search({ tx, tenantId }, { text, types: input.types, limit, offset });
    const ids = result.hits.map((hit) => hit.id);
    const rows =
      ids.length === 0
        ? []
        : (
            await selectActiveIndicators(
              tx,
              { tenantId },
              { ids, includeSuppressed: true, ...(input.types ? { types: input.types } : {}) },
              {
                order: "recent",
                limit: ids.length,
              },
            )
          ).rows;
    const byId = new Map(rows.map((row) => [row.id, row]));
    const items: SearchHitView[] = [];
    for (const hit of result.hits) {
      const row = byId.get(hit.id);
      if (row !== undefined) items.push({ score: hit.score, indicator: toIndicatorView(row) });
    }
    const nextOffset = offset + limit;
    return {
      backend: backend.name,
      items,
      nextCursor: result.more && nextOffset <= maxSearchDepth ? `p${nextOffset}` : null,
    };
  });
}
