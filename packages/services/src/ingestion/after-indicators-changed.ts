import type { Database } from "@threatfusion/db";

/**
 * The one place where later stages learn what ingestion changed: search indexing and scoring plug in here
 * (`onIndicatorsChanged(listener)`), and ingestion calls `afterIndicatorsChanged` once per applied chunk,
 * after the chunk's transaction committed. Delivery is at least once (a hand-off that failed is repeated),
 * so listeners must be idempotent, e.g. "re-index these ids".
 */
export type IndicatorChange =
  /**
   * Global catalog ids (`indicators.id`) changed by a global feed. `searchIndexed`: their search documents
   * were written in the transaction that applied them (the consumer does so when no Meilisearch is configured).
   */
  | {
      scope: "global";
      feedId: string;
      indicatorIds: readonly string[];
      searchIndexed?: boolean;
      /**
       * The ids among `indicatorIds` whose stored score may be stale, in their order; absent: all of them. Left
       * out are the catalog rows the apply inserted already scored, in the transaction this change comes from
       * (known only in the invocation that applied them): the scoring stage does not check those. Tenants'
       * allowlists may still concern them.
       */
      mayBeStale?: readonly string[];
    }
  /** A tenant's private indicator ids (`private_indicators.id`), from its private feed or an import. */
  | { scope: "private"; tenantId: string; feedId: string; indicatorIds: readonly string[] };

export interface IndicatorChangeContext {
  /** Ingestion-role database (global catalog). */
  ingestDb: Database;
  /** Application-role database, for tenant-scoped follow-up inside `withTenantTx`. */
  appDb: Database;
}

export type IndicatorChangeListener = (
  change: IndicatorChange,
  context: IndicatorChangeContext,
) => Promise<void>;

const listeners: { name: string; listener: IndicatorChangeListener }[] = [];

/**
 * Registers a listener (search indexing, scoring) at module load; returns a function that removes it. The
 * name labels its time in the consumer's log.
 */
export function onIndicatorsChanged(listener: IndicatorChangeListener, name = "listener"): () => void {
  const entry = { name, listener };
  listeners.push(entry);
  return () => {
    const index = listeners.indexOf(entry);
    if (index >= 0) listeners.splice(index, 1);
  };
}

/**
 * Calls every listener at the same time (they are independent: search indexing and scoring each read the
 * committed rows and write their own columns or tables, on their own connections), and waits for all of
 * them; one that throws makes the hand-off retry.
 */
export async function afterIndicatorsChanged(
  change: IndicatorChange,
  context: IndicatorChangeContext,
): Promise<Record<string, number>> {
  const durations: Record<string, number> = {};
  if (change.indicatorIds.length === 0) return durations;
  const settled = await Promise.allSettled(
    listeners.map(async ({ name, listener }) => {
      const started = Date.now();
      await listener(change, context);
      durations[name] = (durations[name] ?? 0) + Date.now() - started;
    }),
  );
  for (const result of settled) if (result.status === "rejected") throw result.reason;
  return durations;
}
