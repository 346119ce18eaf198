import { createLogger } from "@threatfusion/core";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";
import { tenantCoordinator } from "../durable-objects/tenant-coordinator.ts";
import { queueMessageSchema } from "./messages.ts";

const logger = createLogger({ component: "queue" });

/**
 * The ingest queue consumer: an adapter that validates each message and hands it to the service that
 * owns the work. Messages are acked one by one, so one bad message never makes a batch redeliver the rest.
 */
export async function consumeIngestBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = queueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      logger.warn("dropping malformed queue message", { id: message.id, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    try {
      const body = parsed.data;
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
      }
      message.ack();
    } catch (error) {
      logger.error("queue message failed; it will be retried", {
        id: message.id,
        attempts: message.attempts,
        error: error instanceof Error ? error.message : String(error),
      });
      message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
    }
  }
}

/** Messages that kept failing land here; they are logged for admins (and, later, stored for replay). */
export async function consumeDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    logger.error("dead-lettered queue message", { id: message.id, attempts: message.attempts });
    message.ack();
  }
}
