import type { Logger } from "@threatfusion/core";
import { type CollectFeedMessage, type CollectResult, collectFeed } from "@threatfusion/services";
import { feedMirrorUrl, feedSecrets, type IngestionDatabases } from "./databases.ts";

/**
 * The collector adapter: runs `collectFeed` for one claimed run with the Worker's fetch, the configured
 * secrets (ABUSECH_AUTH_KEY, OTX_API_KEY), the dev mirror when FEED_MIRROR_URL is set, and the ingest queue
 * as the chunk sink. Runs inside the queue consumer (up to 15 minutes of wall time per invocation).
 */
export async function runCollector(
  env: Env,
  dbs: IngestionDatabases,
  message: CollectFeedMessage,
  logger: Logger,
): Promise<CollectResult> {
  const result = await collectFeed(
    {
      db: dbs.ingestDb,
      fetch: (input, init) => fetch(input, init),
      secrets: feedSecrets(env),
      mirrorUrl: feedMirrorUrl(env),
      sendChunk: async (chunk) => {
        await env.INGEST_QUEUE.send(chunk, { contentType: "json" });
        // Let timers run: the collector's parse and sends keep the isolate's event loop busy, and workerd fires
        // timers only when it waits, so a consumer delivery in the same isolate (the Neon driver sends its
        // queries from a setTimeout) stalled until the whole feed was collected.
        await new Promise((resolve) => setTimeout(resolve, 0));
      },
      now: () => new Date(),
      logger,
      // As many indicators per message as fit in 120 KB (the size cap cuts first for nearly every feed):
      // fewer, larger messages make fewer consumer deliveries.
      batch: { maxItems: 5_000 },
    },
    { runId: message.runId, feedId: message.feedId },
  );
  logger.info("feed collected", { feedId: message.feedId, runId: message.runId, status: result.status });
  return result;
}
