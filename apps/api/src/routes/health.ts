import { createRoute, z } from "@hono/zod-openapi";
import { type Config, searchBackendInUse } from "@threatfusion/core";
import type { App } from "../app.ts";
import { openPool } from "../database.ts";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";

const partSchema = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  detail: z.string().optional(),
  latencyMs: z.number().optional(),
});

const healthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "down"]),
    time: z.string(),
    parts: z.object({
      database: partSchema,
      durableObjects: partSchema,
      queues: partSchema.extend({ lastSentAt: z.string().nullable(), lastConsumedAt: z.string().nullable() }),
      cron: partSchema.extend({ lastTickAt: z.string().nullable() }),
      search: partSchema.extend({ backend: z.enum(["postgres", "meilisearch"]) }),
    }),
  })
  .openapi("Health");

type Part = z.infer<typeof partSchema>;

async function timed<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string; latencyMs: number }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { value, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      error: error instanceof Error ? error.message : String(error),
      latencyMs: Math.round(performance.now() - started),
    };
  }
}

async function checkDatabase(config: Config): Promise<Part> {
  const pool = openPool(config);
  try {
    const result = await timed(() => pool.query<{ role: string }>("select current_user as role"));
    if (result.error) return { status: "down", detail: result.error, latencyMs: result.latencyMs };
    return {
      status: "ok",
      detail: `connected as ${result.value?.rows[0]?.role}`,
      latencyMs: result.latencyMs,
    };
  } finally {
    await pool.end();
  }
}

async function checkMeilisearch(config: Config): Promise<Part> {
  const url = new URL("/health", config.MEILISEARCH_URL);
  const result = await timed(() => fetch(url, { signal: AbortSignal.timeout(2_000) }));
  if (result.error || !result.value?.ok) {
    return {
      status: "down",
      detail: result.error ?? `HTTP ${result.value?.status}`,
      latencyMs: result.latencyMs,
    };
  }
  return { status: "ok", latencyMs: result.latencyMs };
}

// A consumer that has not caught up with what was sent this long ago is stuck.
const queueLagLimitMs = 5 * 60_000;

export function registerHealth(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      tags: ["platform"],
      summary: "State of each part of the platform",
      responses: {
        200: {
          description: "Every part is healthy",
          content: { "application/json": { schema: healthSchema } },
        },
        503: { description: "A part is down", content: { "application/json": { schema: healthSchema } } },
      },
    }),
    async (c) => {
      const config = c.get("config");
      const monitor = platformMonitor(c.env);
      const now = new Date();

      const [database, monitorStatus, queueSend] = await Promise.all([
        checkDatabase(config),
        timed(() => monitor.status()),
        timed(async () => {
          await c.env.INGEST_QUEUE.send({ kind: "heartbeat", sentAt: now.toISOString() });
          await monitor.recordHeartbeat("queue-sent", now.toISOString());
        }),
      ]);

      const durableObjects: Part = monitorStatus.error
        ? { status: "down", detail: monitorStatus.error, latencyMs: monitorStatus.latencyMs }
        : { status: "ok", latencyMs: monitorStatus.latencyMs };
      const heartbeats = monitorStatus.value ?? {
        queueSentAt: null,
        queueConsumedAt: null,
        cronTickAt: null,
      };

      const consumedAt = heartbeats.queueConsumedAt ? Date.parse(heartbeats.queueConsumedAt) : null;
      const sentAt = heartbeats.queueSentAt ? Date.parse(heartbeats.queueSentAt) : null;
      const consumerLagging = sentAt !== null && (consumedAt ?? 0) < sentAt - queueLagLimitMs;
      const queues = {
        status: queueSend.error ? "down" : consumerLagging ? "degraded" : "ok",
        detail:
          queueSend.error ?? (consumerLagging ? "the consumer has not kept up for 5 minutes" : undefined),
        lastSentAt: now.toISOString(),
        lastConsumedAt: heartbeats.queueConsumedAt,
      } as const;

      const backend = searchBackendInUse(config);
      const search =
        backend === "meilisearch"
          ? { backend, ...(await checkMeilisearch(config)) }
          : { backend, status: database.status, detail: "Postgres full-text and trigram search" };

      const cron = {
        status: "ok" as const,
        detail: heartbeats.cronTickAt ? undefined : "no tick yet (in dev, ticks come from the dev stack)",
        lastTickAt: heartbeats.cronTickAt,
      };

      const parts = { database, durableObjects, queues, cron, search };
      const statuses = Object.values(parts).map((part) => part.status);
      const status: Part["status"] = statuses.includes("down")
        ? "down"
        : statuses.includes("degraded")
          ? "degraded"
          : "ok";
      return c.json({ status, time: now.toISOString(), parts }, status === "down" ? 503 : 200);
    },
  );
}
