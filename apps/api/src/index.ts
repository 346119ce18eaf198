import { newApp } from "./app.ts";
import { runScheduled } from "./cron/scheduled.ts";
import { readConfig } from "./env.ts";
import { consumeDeadLetters, consumeIngestBatch } from "./queue/consumer.ts";
import { registerRoutes } from "./routes/index.ts";
import { configureSearchIndexing } from "./search-backend.ts";

export { PlatformMonitor } from "./durable-objects/platform-monitor.ts";
export { RateLimiter } from "./durable-objects/rate-limiter.ts";
export { TenantCoordinator } from "./durable-objects/tenant-coordinator.ts";

const app = newApp();
registerRoutes(app);

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    // Changed indicators are indexed into Meilisearch too when the configuration names one.
    const config = readConfig(env);
    if (config.ok) configureSearchIndexing(config.config);
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeIngestBatch(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;
