import type { Database } from "@threatfusion/db";

/**
 * The one place where later stages learn what ingestion changed: search indexing and scoring plug in here
 * (`onIndicatorsChanged(listener)`), and ingestion calls `afterIndicatorsChanged` once per applied chunk,
 * after the chunk's transaction committed. Delivery is at least once (a hand-off that failed is repeated),
 * so listeners must be idempotent, e.g. "re-index these ids".
 */
export type IndicatorChange =
  /** Global catalog ids (`indicators.id`) changed by a global feed. */
  | { scope: "global"; feedId: string; indicatorIds: readonly string[] }
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

const listeners: IndicatorChangeListener[] = [];

/** Registers a listener (search indexing, scoring) at module load; returns a function that removes it. */
export function onIndicatorsChanged(listener: IndicatorChangeListener): () => void {
  listeners.push(listener);
  return () => {
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  };
}

/** Calls every listener in registration order; a listener that throws makes the hand-off retry. */
export async function afterIndicatorsChanged(
  change: IndicatorChange,
  context: IndicatorChangeContext,
): Promise<void> {
  if (change.indicatorIds.length === 0) return;
  for (const listener of listeners) await listener(change, context);
}
