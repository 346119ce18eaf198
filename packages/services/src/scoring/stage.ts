import { createLogger } from "@threatfusion/core";
import { withIngestTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { onIndicatorsChanged } from "../ingestion/after-indicators-changed.ts";
import { scoreChangedIndicators } from "./pipeline.ts";

const logger = createLogger({ component: "scoring" });
let unregister: (() => void) | undefined;

/**
 * Plugs the scoring stage into ingestion's after-change hook (once per isolate): catalog indicators a
 * global feed changed are scored globally and in the overlays of the tenants concerned, right after the
 * chunk committed. If scoring fails, the ids are queued in `score_requests` for the scheduled re-score
 * instead of failing the hand-off, so a scoring fault never stalls ingestion. Tenant-private indicators
 * keep the score ingestion gave them.
 */
export function registerScoringStage(options: { now?: () => number } = {}): () => void {
  if (unregister !== undefined) return unregister;
  const now = options.now ?? Date.now;
  const remove = onIndicatorsChanged(async (change, context) => {
    if (change.scope !== "global") return;
    try {
      await scoreChangedIndicators(context, change.indicatorIds, now(), change.mayBeStale);
    } catch (error) {
      logger.error("scoring changed indicators failed; queued for the scheduled re-score", {
        feedId: change.feedId,
        indicators: change.indicatorIds.length,
        error: error instanceof Error ? error.message : String(error),
      });
      await withIngestTx({ db: context.ingestDb }, (tx) =>
        tx.execute(sql`insert into score_requests (indicator_id)
          select unnest(${sql.param([...change.indicatorIds])}::text[]) on conflict do nothing`),
      );
    }
  }, "scoring");
  unregister = () => {
    remove();
    unregister = undefined;
  };
  return unregister;
}

// Like search indexing, scoring plugs in when the services are loaded (the Worker imports the index).
registerScoringStage();
