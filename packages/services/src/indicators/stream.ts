import type { DbTransaction } from "@threatfusion/db";
import { inTenantTx, type ServiceContext } from "../context.ts";
import {
  type ActiveIndicator,
  type ActiveIndicatorFilter,
  type ActiveIndicatorOrder,
  selectActiveIndicators,
} from "./active-indicators.ts";
import type { KeysetCursor } from "./cursor.ts";

type Message<T> = { kind: "batch"; batch: T[] } | { kind: "done" } | { kind: "error"; error: unknown };

/**
 * Runs `produce` inside ONE tenant transaction (`inTenantTx`, so the same helper and the same row-level
 * security as every other service) and hands its batches to the consumer one at a time: the producer
 * waits until the consumer asks for more (back-pressure), so a streamed export holds one page in memory.
 * When the consumer stops early (a cancelled HTTP stream), `emit` answers false and the transaction ends.
 */
export async function* batchesInTenantTx<T>(
  ctx: ServiceContext,
  produce: (tx: DbTransaction, emit: (batch: T[]) => Promise<boolean>) => Promise<void>,
): AsyncGenerator<T[]> {
  let deliver: (message: Message<T>) => void = () => {};
  let nextMessage = new Promise<Message<T>>((resolve) => {
    deliver = resolve;
  });
  let acknowledge: ((go: boolean) => void) | undefined;
  const emit = (batch: T[]) =>
    new Promise<boolean>((resolve) => {
      acknowledge = resolve;
      deliver({ kind: "batch", batch });
    });
  const run = inTenantTx(ctx, (tx) => produce(tx, emit)).then(
    () => deliver({ kind: "done" }),
    (error: unknown) => deliver({ kind: "error", error }),
  );
  try {
    for (;;) {
      const message = await nextMessage;
      if (message.kind === "done") return;
      if (message.kind === "error") throw message.error;
      nextMessage = new Promise<Message<T>>((resolve) => {
        deliver = resolve;
      });
      yield message.batch;
      const go = acknowledge;
      acknowledge = undefined;
      go?.(true);
    }
  } finally {
    const stop = acknowledge;
    acknowledge = undefined;
    stop?.(false);
    await run;
  }
}

export interface StreamOptions {
  order: ActiveIndicatorOrder;
  /** Rows per query (default 2,000). */
  pageSize?: number;
  /** Start after this position. */
  after?: KeysetCursor;
  /** Stop after this many rows. */
  maxRows?: number;
  /** See `SelectOptions.lean`. */
  lean?: boolean;
}

/**
 * Every active indicator matching `filter`, page by page inside one tenant transaction (one consistent
 * snapshot for the whole export). The basis of every streamed export.
 */
export async function* streamActiveIndicators(
  ctx: ServiceContext,
  filter: ActiveIndicatorFilter,
  options: StreamOptions,
): AsyncGenerator<ActiveIndicator> {
  const pageSize = options.pageSize ?? 2_000;
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const batches = batchesInTenantTx<ActiveIndicator>(ctx, async (tx, emit) => {
    let after = options.after;
    let sent = 0;
    for (;;) {
      const page = await selectActiveIndicators(tx, { tenantId: ctx.tenant.tenantId }, filter, {
        order: options.order,
        limit: Math.min(pageSize, maxRows - sent),
        after,
        lean: options.lean,
      });
      sent += page.rows.length;
      if (page.rows.length > 0 && !(await emit(page.rows))) return;
      if (page.next === undefined || sent >= maxRows) return;
      after = page.next;
    }
  });
  for await (const batch of batches) yield* batch;
}
