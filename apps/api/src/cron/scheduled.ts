import { createLogger } from "@threatfusion/core";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";

const logger = createLogger({ component: "cron" });

/** The cron stays tiny: record the tick, prove the queue path, and (with ingestion) enqueue due feeds. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const now = new Date(controller.scheduledTime).toISOString();
  const monitor = platformMonitor(env);
  await monitor.recordHeartbeat("cron", now);
  await env.INGEST_QUEUE.send({ kind: "heartbeat", sentAt: now });
  await monitor.recordHeartbeat("queue-sent", now);
  logger.info("cron tick", { cron: controller.cron, scheduledTime: now });
}
