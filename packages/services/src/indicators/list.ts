import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { type ActiveIndicatorFilter, selectActiveIndicators } from "./active-indicators.ts";
import { encodeKeysetCursor, parseCursorParameter } from "./cursor.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

export interface ListIndicatorsInput {
  filter: ActiveIndicatorFilter;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** 1–1000, default 100. */
  limit?: number | undefined;
}

export interface IndicatorPage {
  items: IndicatorView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Lists the tenant's indicators, newest sighting first, with keyset (cursor) pagination. Unlike exports,
 * the list shows false positives and allowlisted indicators by default (analysts search them; the
 * `suppressedReason` says why they are left out of exports); expired and revoked ones on request.
 */
export async function listIndicators({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListIndicatorsInput;
}): Promise<IndicatorPage> {
  authorizeAction(ctx, "indicator.read");
  const after = parseCursorParameter(input.cursor);
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 1000);
  const page = await inTenantTx(ctx, (tx) =>
    selectActiveIndicators(
      tx,
      { tenantId: ctx.tenant.tenantId },
      { includeSuppressed: true, ...input.filter },
      { order: "recent", limit, after },
    ),
  );
  return {
    items: page.rows.map(toIndicatorView),
    nextCursor: page.next === undefined ? null : encodeKeysetCursor(page.next),
  };
}
