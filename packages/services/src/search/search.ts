import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { AppError } from "@threatfusion/core";
import type { IndicatorType } from "@threatfusion/ioc";
import {
  maxSearchDepth,
  maxSearchText,
  PostgresSearch,
  type SearchBackend,
  type SearchPosition,
} from "@threatfusion/search";
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

/** Where the next page starts: the last hit's ranking (keyset) and how many hits came before. */
interface SearchCursor extends SearchPosition {
  depth: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const hitIdPattern = /^(ind|pin)_[0-9a-z]{26}$/;

/** Opaque base64url token, like the lists' cursors; the score travels as JS writes it (exact round trip). */
function encodeSearchCursor(cursor: SearchCursor): string {
  return encodeBase64urlNoPadding(encoder.encode(`${cursor.score}|${cursor.id}|${cursor.depth}`));
}

function decodeSearchCursor(token: string | undefined): SearchCursor | undefined {
  if (token === undefined || token === "") return undefined;
  const invalid = () =>
    new AppError("VALIDATION_FAILED", "cursor: is not a cursor this server issued", {
      details: [{ path: "cursor", message: "is not a cursor this server issued" }],
    });
  if (token.length > 128 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let text: string;
  try {
    text = decoder.decode(decodeBase64urlIgnorePadding(token));
  } catch {
    throw invalid();
  }
  const [score, id, depth, extra] = text.split("|");
  if (score === undefined || id === undefined || depth === undefined || extra !== undefined) throw invalid();
  const position = { score: Number(score), id, depth: Number(depth) };
  if (
    !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/.test(score) ||
    !Number.isFinite(position.score) ||
    !hitIdPattern.test(id) ||
    !/^\d{1,4}$/.test(depth) ||
    position.depth > maxSearchDepth
  ) {
    throw invalid();
  }
  return position;
}

/**
 * Full-text search over values, tags and context through the configured backend (Postgres by default,
 * Meilisearch when configured: `ctx`'s caller passes it). Hits are read back through the tenant's
 * active-indicators query, so results show exactly what the tenant may see, in the same shape whichever
 * backend found them. Relevance-ranked results page by keyset (cursor: the last hit's score and id, so a
 * page never repeats or skips a hit when rows change between pages), at most 1,000 deep.
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
  const cursor = decodeSearchCursor(input.cursor);
  const depth = cursor?.depth ?? 0;
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const result = await backend.search(
      { tx, tenantId },
      {
        text,
        types: input.types,
        limit,
        depth,
        ...(cursor ? { after: { score: cursor.score, id: cursor.id } } : {}),
      },
    );
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
    // The position of the last backend hit, read back or not: a hit the tenant cannot see still ranks.
    const last = result.hits[result.hits.length - 1];
    const nextDepth = depth + result.hits.length;
    return {
      backend: backend.name,
      items,
      nextCursor:
        result.more && last !== undefined && nextDepth <= maxSearchDepth
          ? encodeSearchCursor({ score: last.score, id: last.id, depth: nextDepth })
          : null,
    };
  });
}
