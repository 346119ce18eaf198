import { createLogger } from "@threatfusion/core";
import { claimDueFeeds, claimWarninglistRefresh, rescoreDue, syncFeedCatalog } from "@threatfusion/services";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";
import { feedMirrorUrl, withIngestionDatabases } from "../ingestion/databases.ts";
import type { QueueMessage } from "../queue/messages.ts";

const logger = createLogger({ component: "cron" });

// The built-in catalog ships with the code: sync it on the first tick of each isolate (a deploy starts new
// isolates). The sync is idempotent and writes only what changed.
let catalogSynced = false;

/**
 * The cron stays tiny: record the tick, prove the queue path, sync the catalog once per isolate, and enqueue
 * one "collect feed" message per due feed (the claim opens its run; cadence and backoff decide what is due).
 */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const now = new Date(controller.scheduledTime);
  const at = now.toISOString();
  const monitor = platformMonitor(env);
  await monitor.recordHeartbeat("cron", at);
  await env.INGEST_QUEUE.send({ kind: "heartbeat", sentAt: at } satisfies QueueMessage);
  await monitor.recordHeartbeat("queue-sent", at);
  try {
    const claimed = await withIngestionDatabases(env, async ({ ingestDb }) => {
      if (!catalogSynced) {
        // Dev (offline mirror): new built-in feeds start enabled so a fresh checkout fills up.
        const synced = await syncFeedCatalog({
          db: ingestDb,
          enableNewFeeds: feedMirrorUrl(env) !== undefined,
        });
        catalogSynced = true;
        logger.info("feed catalog synced", { ...synced });
      }
      return claimDueFeeds({ db: ingestDb, now: new Date() });
    });
    if (claimed.length > 0) {
      // The collect queue: a long collection never delays the consumption of chunks already queued.
      await env.COLLECT_QUEUE.sendBatch(
        claimed.map((feed) => ({
          body: { kind: "collect-feed", feedId: feed.feedId, runId: feed.runId } satisfies QueueMessage,
          contentType: "json" as const,
        })),
      );
    }
    logger.info("cron tick", { cron: controller.cron, scheduledTime: at, feedsEnqueued: claimed.length });
  } catch (error) {
    // The heartbeat above already proved the scheduler; a database outage shows in /api/health.
    logger.error("enqueueing due feeds failed", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  await enqueueWarninglistRefresh(env, now);
  await rescoreAtReactionPoints(env, now);
}

/**
 * The MISP warninglists are a feed too: when their refresh is due (daily), one tick claims it and enqueues
 * one message; the consumer fetches, re-imports what changed and starts the retroactive sweep.
 */
async function enqueueWarninglistRefresh(env: Env, now: Date): Promise<void> {
  try {
    const claimed = await withIngestionDatabases(env, ({ ingestDb }) =>
      claimWarninglistRefresh({ db: ingestDb, now }),
    );
    if (claimed) await env.INGEST_QUEUE.send({ kind: "refresh-warninglists" } satisfies QueueMessage);
  } catch (error) {
    logger.error("enqueueing the warninglist refresh failed", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Scoring's share of the tick: re-score what decay, verdicts, sweeps (warninglist refresh, model edits) or
 * overlay changes made due, a bounded number of rows per step, writing only rows that changed.
 */
async function rescoreAtReactionPoints(env: Env, now: Date): Promise<void> {
  try {
    const result = await withIngestionDatabases(env, (dbs) =>
      rescoreDue(dbs, { now: now.getTime(), limit: 5_000 }),
    );
    logger.info("scheduled re-score", {
      due: result.due.examined,
      changed: result.due.changed + result.requests.changed + (result.sweep?.changed ?? 0),
      leftActiveSet: result.due.membershipChanged + (result.sweep?.membershipChanged ?? 0),
      tenants: result.tenants.tenants,
      tenantRowsChanged: result.tenants.changed,
    });
  } catch (error) {
    logger.error("scheduled re-score failed", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
