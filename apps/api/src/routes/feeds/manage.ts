import { createRoute, z } from "@hono/zod-openapi";
import {
  createPrivateFeed,
  listDeadLetters,
  requestFeedCollection,
  setGlobalFeedEnabled,
  subscribeFeed,
  syncGlobalFeedCatalog,
} from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { withIngestDatabase } from "./ingest-database.ts";
import { apiErrors, feedIdParamSchema } from "./schemas.ts";

const createFeedSchema = z
  .object({
    name: z.string().min(1).max(200),
    url: z.url().max(2000),
    format: z.string().min(1).max(40).openapi({ example: "text" }),
    cadenceSeconds: z.number().int().min(300).max(604_800).optional(),
    parser: z.record(z.string(), z.unknown()).optional(),
    reliability: z.enum(["A", "B", "C", "D", "E", "F"]).optional(),
    tlp: z.enum(["clear", "green", "amber", "amber+strict", "red"]).optional(),
  })
  .strict()
  .openapi("CreatePrivateFeed");

export function registerManageFeeds(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/feeds",
      tags: ["feeds"],
      summary: "Add a feed private to the acting tenant (its indicators never reach the global catalog)",
      request: { body: { required: true, content: { "application/json": { schema: createFeedSchema } } } },
      responses: {
        201: {
          description: "Created",
          content: { "application/json": { schema: z.object({ feedId: z.string(), sourceId: z.string() }) } },
        },
        ...apiErrors(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await createPrivateFeed({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/feeds/dead-letters",
      tags: ["feeds"],
      summary: "Queue messages that kept failing (platform operator)",
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }) },
      responses: {
        200: {
          description: "Dead letters, newest first",
          content: {
            "application/json": {
              schema: z.object({
                data: z.array(
                  z.object({
                    id: z.string(),
                    messageId: z.string(),
                    queue: z.string(),
                    kind: z.string().nullable(),
                    feedId: z.string().nullable(),
                    runId: z.string().nullable(),
                    attempts: z.number(),
                    createdAt: z.string(),
                  }),
                ),
              }),
            },
          },
        },
        ...apiErrors(401, 403),
      },
    }),
    async (c) =>
      c.json(
        {
          data: await listDeadLetters({
            ctx: serviceContext(c),
            input: { limit: c.req.valid("query").limit },
          }),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/feeds/sync",
      tags: ["feeds"],
      summary:
        "Re-sync the built-in feed catalog (platform operator; also done on each deploy's first cron tick)",
      responses: {
        200: {
          description: "What changed",
          content: {
            "application/json": {
              schema: z.object({
                sourcesWritten: z.number(),
                feedsCreated: z.number(),
                feedsUpdated: z.number(),
                feedsUnchanged: z.number(),
              }),
            },
          },
        },
        ...apiErrors(401, 403),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c);
      return c.json(
        await withIngestDatabase(c, (ingestDb) => syncGlobalFeedCatalog({ ctx, deps: { ingestDb } })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/feeds/{id}",
      tags: ["feeds"],
      summary: "Enable or disable a global feed for the platform (platform operator)",
      request: {
        params: feedIdParamSchema,
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ enabled: z.boolean() }).strict() } },
        },
      },
      responses: {
        200: {
          description: "Updated",
          content: { "application/json": { schema: z.object({ feedId: z.string(), enabled: z.boolean() }) } },
        },
        ...apiErrors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c);
      const input = { feedId: c.req.valid("param").id, enabled: c.req.valid("json").enabled };
      return c.json(
        await withIngestDatabase(c, (ingestDb) => setGlobalFeedEnabled({ ctx, input, deps: { ingestDb } })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/feeds/{id}/subscription",
      tags: ["feeds"],
      summary: "Subscribe the acting tenant to a global feed, change or end the subscription",
      request: {
        params: feedIdParamSchema,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  enabled: z.boolean(),
                  minConfidence: z.number().int().min(0).max(100).nullable().optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "The subscription",
          content: {
            "application/json": {
              schema: z.object({
                feedId: z.string(),
                enabled: z.boolean(),
                minConfidence: z.number().nullable(),
              }),
            },
          },
        },
        ...apiErrors(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await subscribeFeed({
          ctx: serviceContext(c),
          input: { feedId: c.req.valid("param").id, ...c.req.valid("json") },
        }),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/feeds/{id}/collect",
      tags: ["feeds"],
      summary: "Collect a feed at the next tick (its own private feed; a global feed: platform operator)",
      request: { params: feedIdParamSchema },
      responses: {
        202: {
          description: "Queued (false: a run is in progress)",
          content: { "application/json": { schema: z.object({ feedId: z.string(), queued: z.boolean() }) } },
        },
        ...apiErrors(401, 403, 404),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c);
      const input = { feedId: c.req.valid("param").id };
      return c.json(
        await withIngestDatabase(c, (ingestDb) => requestFeedCollection({ ctx, input, deps: { ingestDb } })),
        202,
      );
    },
  );
}
