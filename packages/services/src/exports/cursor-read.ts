import type { DbTransaction } from "@threatfusion/db";
import { type SQL, sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";
import { batchesInTenantTx } from "../indicators/stream.ts";

export interface CursorReadOptions<Row, Out> {
  /** Rows per FETCH: one round trip through the driver per this many rows. */
  fetchSize: number;
  map: (row: Row) => Out;
  /** Runs in the same transaction after the cursor is exhausted (e.g. a page-by-page tail). */
  after?: (tx: DbTransaction, emit: (batch: Out[]) => Promise<boolean>) => Promise<void>;
}

/**
 * Streams one statement through a server-side cursor (`DECLARE … FETCH`) inside ONE tenant transaction,
 * batch by batch with back-pressure (`batchesInTenantTx`): the statement is planned and run once, instead
 * of keyset pages that each re-plan, re-join and re-sort. The cursor lives as long as the transaction, which
 * ends when the consumer stops. Timestamps should arrive as text: the session time zone is UTC here.
 */
export async function* cursorBatches<Row extends Record<string, unknown>, Out>(
  ctx: ServiceContext,
  statement: SQL,
  options: CursorReadOptions<Row, Out>,
): AsyncGenerator<Out[]> {
  yield* batchesInTenantTx<Out>(ctx, async (tx, emit) => {
    // `timestamptz::text` then reads `2025-03-01 10:00:00.123456+00`, which `utcTextToIso` turns into RFC 3339.
    await tx.execute(sql`select set_config('TimeZone', 'UTC', true)`);
    await tx.execute(sql`declare export_rows no scroll cursor for ${statement}`);
    const fetch = sql.raw(`fetch forward ${Math.max(1, Math.floor(options.fetchSize))} from export_rows`);
    // One FETCH ahead: PostgreSQL produces the next batch while this one is mapped and written, so the
    // database and the writer work at the same time instead of taking turns.
    const fetchNext = () => {
      // drizzle's query is a lazy thenable that runs again on every `then`: adopt it into ONE promise.
      const next = Promise.resolve(tx.execute<Row>(fetch));
      // Marked as handled while it waits behind the writer; the loop still awaits it and sees any error.
      next.catch(() => undefined);
      return next;
    };
    let pending = fetchNext();
    for (;;) {
      const { rows } = await pending;
      const last = rows.length < options.fetchSize;
      if (!last) pending = fetchNext();
      if (rows.length > 0) {
        const batch: Out[] = [];
        // drizzle types generic rows as `Assume<Row, QueryResultRow>`, which TypeScript cannot narrow back.
        for (const row of rows as Row[]) batch.push(options.map(row));
        if (!(await emit(batch))) {
          // Let the FETCH in flight finish before the transaction ends.
          if (!last)
            await pending.then(
              () => undefined,
              () => undefined,
            );
          return;
        }
      }
      if (last) break;
    }
    await tx.execute(sql`close export_rows`);
    await options.after?.(tx, emit);
  });
}
