import { createLogger } from "@threatfusion/core";
import {
  applyFeedChunks,
  type FeedChunkMessage,
  finishRunIfComplete,
  handOffChanges,
  parseFeedChunkMessage,
  runWarninglistRefresh,
  storeDeadLetters,
  type TenantChangeBatch,
} from "@threatfusion/services";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";
import { tenantCoordinator } from "../durable-objects/tenant-coordinator.ts";
import { runCollector } from "../ingestion/collector.ts";
import { withIngestionDatabases } from "../ingestion/databases.ts";
import { runImport } from "../ingestion/imports.ts";
import { type QueueMessage, queueMessageSchema } from "./messages.ts";

const logger = createLogger({ component: "queue" });

const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** attempts);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Queues limits: 100 messages and 256 KB per sendBatch (each message at most 128 KB).
const maxMessagesPerSend = 100;
const maxBytesPerSend = 250_000;

/** Sends tenant hand-off batches as `tenant-changes` messages, cut to the Queues limits of one sendBatch. */
export async function sendTenantChanges(env: Env, batches: readonly TenantChangeBatch[]): Promise<void> {
  let pending: MessageSendRequest<QueueMessage>[] = [];
  let pendingBytes = 0;
  for (const batch of batches) {
    const body: QueueMessage = {
      kind: "tenant-changes",
      tenantId: batch.tenantId,
      batchKey: batch.batchKey,
      indicatorIds: batch.indicatorIds,
    };
    const bytes = JSON.stringify(body).length;
    if (
      pending.length > 0 &&
      (pending.length >= maxMessagesPerSend || pendingBytes + bytes > maxBytesPerSend)
    ) {
      await env.INGEST_QUEUE.sendBatch(pending);
      pending = [];
      pendingBytes = 0;
    }
    pending.push({ body, contentType: "json" });
    pendingBytes += bytes;
  }
  if (pending.length > 0) await env.INGEST_QUEUE.sendBatch(pending);
}

/**
 * Feed chunks of one delivery are applied together (groups of bulk statements, a transaction per group), then
 * handed to tenants and the after-change hook, then their runs are finished if complete. Any failure
 * retries all of them: the ledger makes the already-applied ones no-ops, so nothing is lost or counted twice.
 */
async function consumeFeedChunks(
  env: Env,
  messages: { message: Message<unknown>; body: FeedChunkMessage }[],
) {
  try {
    const started = Date.now();
    const timings = await withIngestionDatabases(env, async (dbs) => {
      const applyStarted = Date.now();
      const applied = await applyFeedChunks(
        { ...dbs, logger },
        messages.map((entry) => entry.body),
      );
      const handOffStarted = Date.now();
      const handedOff = await handOffChanges(
        { ...dbs, notifyTenants: (batches) => sendTenantChanges(env, batches) },
        applied.runIds,
        applied.applied,
      );
      const finishStarted = Date.now();
      for (const runId of applied.runIds) await finishRunIfComplete(dbs.ingestDb, runId);
      return {
        applyMs: handOffStarted - applyStarted,
        handOffMs: finishStarted - handOffStarted,
        // Of which search indexing and scoring (the after-change listeners).
        listenersMs: handedOff.listenersMs,
        listenerMs: handedOff.listenerMs,
        finishMs: Date.now() - finishStarted,
      };
    });
    logger.info("feed chunks applied", {
      chunks: messages.length,
      indicators: messages.reduce((sum, entry) => sum + entry.body.indicators.length, 0),
      totalMs: Date.now() - started,
      ...timings,
    });
    for (const { message } of messages) message.ack();
  } catch (error) {
    logger.error("feed chunks failed; they will be retried", {
      chunks: messages.map((entry) => `${entry.body.runId}:${entry.body.chunk}`),
      error: describe(error),
    });
    for (const { message } of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

function isFeedChunkKind(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "feed-chunk";
}

/**
 * The ingest queue consumer: an adapter that validates each message and hands it to the service that
 * owns the work. Messages are acked one by one, so one bad message never makes a batch redeliver the rest.
 */
export async function consumeIngestBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const chunks: { message: Message<unknown>; body: FeedChunkMessage }[] = [];
  for (const message of batch.messages) {
    // Feed chunks, nearly every message, are checked without zod's deep copy (`parseFeedChunkMessage`: the same
    // answers as the union's `feed-chunk` schema); a message it refuses still goes through the union below.
    if (isFeedChunkKind(message.body)) {
      const chunk = parseFeedChunkMessage(message.body);
      if (chunk !== undefined) {
        chunks.push({ message, body: chunk });
        continue;
      }
    }
    const parsed = queueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      logger.warn("dropping malformed queue message", { id: message.id, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    const body = parsed.data;
    if (body.kind === "feed-chunk") {
      chunks.push({ message, body });
      continue;
    }
    try {
      switch (body.kind) {
        case "heartbeat":
          await platformMonitor(env).recordHeartbeat("queue-consumed");
          break;
        case "tenant-changes":
          await tenantCoordinator(env, body.tenantId).applyIndicatorChanges({
            batchKey: body.batchKey,
            indicatorIds: body.indicatorIds,
          });
          break;
        case "collect-feed":
          await withIngestionDatabases(env, (dbs) => runCollector(env, dbs, body, logger));
          break;
        case "import-file":
          await withIngestionDatabases(env, (dbs) => runImport(env, dbs, body, logger));
          break;
        case "refresh-warninglists": {
          const refreshed = await withIngestionDatabases(env, ({ ingestDb }) =>
            runWarninglistRefresh({ db: ingestDb }),
          );
          logger.info("warninglists refreshed", {
            imported: refreshed.imported.length,
            unchanged: refreshed.unchanged.length,
            failed: refreshed.failed.length,
            sweepId: refreshed.sweepId,
          });
          break;
        }
      }
      message.ack();
    } catch (error) {
      logger.error("queue message failed; it will be retried", {
        id: message.id,
        attempts: message.attempts,
        error: describe(error),
      });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  if (chunks.length > 0) await consumeFeedChunks(env, chunks);
}

/**
 * Messages that kept failing land here: stored once per message id for admins to list
 * (`GET /api/v1/feeds/dead-letters`) and to replay later. If storing fails, the DLQ retries.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  try {
    await withIngestionDatabases(env, (dbs) =>
      storeDeadLetters(
        dbs.ingestDb,
        batch.messages.map((message) => ({
          messageId: message.id,
          queue: batch.queue,
          attempts: message.attempts,
          body: message.body,
        })),
      ),
    );
    for (const message of batch.messages) {
      logger.error("dead-lettered queue message stored", { id: message.id, attempts: message.attempts });
      message.ack();
    }
  } catch (error) {
    logger.error("storing dead letters failed; retrying", { error: describe(error) });
    batch.retryAll({ delaySeconds: 30 });
  }
}
