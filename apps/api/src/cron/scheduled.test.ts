import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";
import worker from "../index.ts";

describe("cron tick", () => {
  it("records the tick and sends a queue heartbeat", async () => {
    const scheduledTime = Date.UTC(2026, 10, 25, 12, 0, 0);
    await worker.scheduled(
      createScheduledController({ scheduledTime, cron: "* * * * *" }),
      env,
      createExecutionContext(),
    );
    const status = await platformMonitor(env).status();
    expect(status.cronTickAt).toBe(new Date(scheduledTime).toISOString());
    expect(status.queueSentAt).toBe(new Date(scheduledTime).toISOString());
  });
});
