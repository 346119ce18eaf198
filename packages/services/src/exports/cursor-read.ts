import type { DbTransaction } from "@threatfusion/db";
import { type SQL, sql } from "drizzle-orm";
import { inTenantTx, type ServiceContext } from "../context.ts";
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

/** A range of ids, `lower` included and `upper` excluded; undefined means from the start / to the end. */
export interface IdRange {
  lower: string | undefined;
  upper: string | undefined;
}

export interface RangeReadOptions<Row, Out> {
  /**
   * Connections reading at once, each in its own tenant transaction on ONE exported snapshot (one when the
   * service runs inside an outer transaction). The pool must allow this many.
   */
  connections: number;
  /** The statement for one range of ids, in id order. */
  statement: (range: IdRange) => SQL;
  /** The upper end of the range starting at `lower`: one row `{ cut }`, or no row when the range reaches the end. */
  nextCut: (lower: string | undefined) => SQL;
  map: (row: Row) => Out;
  /** Runs in the first transaction after every range was consumed (e.g. a page-by-page tail). */
  after?: (tx: DbTransaction, emit: (batch: Out[]) => Promise<boolean>) => Promise<void>;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const endOfRanges = Symbol("end of ranges");

/**
 * Streams one keyed read split into ranges of ids that several connections read at the same time, so the
 * database's share runs on more than one core, while the consumer still receives the rows in key order
 * (deterministic output) with back-pressure. The first transaction (repeatable read) exports its snapshot
 * (`pg_export_snapshot`) and the others import it, so every range sees the same rows; each is a tenant
 * transaction of its own (`inTenantTx`: the tenant from the actor, row-level security as everywhere). Range
 * k starts where range k-1 ends (`nextCut`, a cheap index walk); a connection claims the next range only
 * while at most `connections` ranges wait ahead of the consumer, so memory holds a few ranges at most.
 */
export async function* rangeBatches<Row extends Record<string, unknown>, Out>(
  ctx: ServiceContext,
  options: RangeReadOptions<Row, Out>,
): AsyncGenerator<Out[]> {
  const connections = ctx.tx === undefined ? Math.max(1, Math.floor(options.connections)) : 1;
  const lowerEnds = new Map<number, Deferred<string | undefined | typeof endOfRanges>>();
  const rangeRows = new Map<number, Deferred<Row[] | typeof endOfRanges>>();
  const slot = <T>(slots: Map<number, Deferred<T>>, index: number): Deferred<T> => {
    let found = slots.get(index);
    if (found === undefined) {
      found = deferred<T>();
      slots.set(index, found);
    }
    return found;
  };
  slot(lowerEnds, 0).resolve(undefined);
  let claimed = 0;
  let consumed = 0;
  let stopped = false;
  // Wakes every waiting connection whenever the consumer moves on or stops.
  let progress = deferred<void>();
  const wake = () => {
    const current = progress;
    progress = deferred<void>();
    current.resolve();
  };
  const tail = {
    ready: deferred<boolean>(),
    batch: deferred<Out[] | typeof endOfRanges>(),
    taken: deferred<boolean>(),
  };
  let failure: { error: unknown } | undefined;
  // A failed transaction ends whatever the consumer waits for (no `Promise.race` against a promise that
  // never settles: each race would keep its result, a whole range of rows, reachable until the end).
  const fail = (error: unknown) => {
    failure ??= { error };
    for (const rows of rangeRows.values()) rows.resolve(endOfRanges);
    tail.batch.resolve(endOfRanges);
  };

  const readRanges = async (tx: DbTransaction) => {
    await tx.execute(sql`select set_config('TimeZone', 'UTC', true)`);
    for (;;) {
      const index = claimed++;
      while (!stopped && index > consumed + connections) await progress.promise;
      const lower = stopped ? endOfRanges : await slot(lowerEnds, index).promise;
      if (stopped || lower === endOfRanges) {
        slot(lowerEnds, index + 1).resolve(endOfRanges);
        slot(rangeRows, index).resolve(endOfRanges);
        return;
      }
      const cut = await tx.execute<{ cut: string }>(options.nextCut(lower));
      const upper = cut.rows[0]?.cut;
      slot(lowerEnds, index + 1).resolve(upper ?? endOfRanges);
      const { rows } = await tx.execute<Row>(options.statement({ lower, upper }));
      // drizzle types generic rows as `Assume<Row, QueryResultRow>`, which TypeScript cannot narrow back.
      slot(rangeRows, index).resolve(rows as Row[]);
    }
  };
  const readTail = async (tx: DbTransaction) => {
    if (!(await tail.ready.promise) || options.after === undefined) return;
    await options.after(tx, async (batch) => {
      tail.batch.resolve(batch);
      const go = await tail.taken.promise;
      tail.taken = deferred<boolean>();
      return go;
    });
  };
  const snapshot = deferred<string | undefined>();
  const first = inTenantTx(
    ctx,
    async (tx) => {
      if (connections > 1) {
        const { rows } = await tx.execute<{ snapshot: string }>(sql`select pg_export_snapshot() as snapshot`);
        snapshot.resolve(rows[0]?.snapshot);
      }
      await readRanges(tx);
      await readTail(tx);
      tail.batch.resolve(endOfRanges);
    },
    // Repeatable read even with one connection: its ranges are several statements that must see one snapshot.
    ctx.tx === undefined ? { readSnapshot: {} } : {},
  ).catch(fail);
  const others = Array.from({ length: connections - 1 }, async () => {
    const exported = await Promise.race([snapshot.promise, first.then(() => undefined)]);
    // Without a snapshot the first transaction has ended (or failed): it read every range itself.
    if (exported === undefined || stopped) return;
    await inTenantTx(ctx, readRanges, { readSnapshot: { snapshot: exported } }).catch((error: unknown) => {
      // A connection that opened only after the first transaction ended cannot import its snapshot; the
      // ranges were read by then (else the first transaction would still wait for them).
      if (!stopped) fail(error);
    });
  });
  const throwIfFailed = () => {
    if (failure !== undefined) throw failure.error;
  };
  const unlessFailed = async <T>(promise: Promise<T>): Promise<T> => {
    throwIfFailed();
    const result = await promise;
    throwIfFailed();
    return result;
  };
  try {
    for (let index = 0; ; index++) {
      const rows = await unlessFailed(slot(rangeRows, index).promise);
      rangeRows.delete(index);
      if (rows === endOfRanges) break;
      if (rows.length > 0) {
        const batch: Out[] = [];
        for (const row of rows) batch.push(options.map(row));
        yield batch;
      }
      consumed = index + 1;
      wake();
    }
    tail.ready.resolve(true);
    for (;;) {
      const batch = await unlessFailed(tail.batch.promise);
      if (batch === endOfRanges) break;
      tail.batch = deferred<Out[] | typeof endOfRanges>();
      yield batch;
      tail.taken.resolve(true);
    }
    await unlessFailed(first);
  } finally {
    stopped = true;
    wake();
    tail.ready.resolve(false);
    tail.taken.resolve(false);
    snapshot.resolve(undefined);
    for (const lower of lowerEnds.values()) lower.resolve(endOfRanges);
    await Promise.all([first, ...others]);
  }
  throwIfFailed();
}
