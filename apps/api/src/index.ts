import { newApp } from "./app.ts";
import { runScheduled } from "./cron/scheduled.ts";
import { consumeDeadLetters, consumeIngestBatch } from "./queue/consumer.ts";
import { registerRoutes } from "./routes/index.ts";

export { PlatformMonitor } from "./durable-objects/platform-monitor.ts";
export { RateLimiter } from "./durable-objects/rate-limiter.ts";
export { TenantCoordinator } from "./durable-objects/tenant-coordinator.ts";

const app = newApp();
registerRoutes(app);

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeIngestBatch(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;
