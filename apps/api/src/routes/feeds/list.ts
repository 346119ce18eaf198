import { createRoute, z } from "@hono/zod-openapi";
import { listFeedRuns, listFeeds } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors, feedIdParamSchema, feedRunDetailSchema, feedSchema } from "./schemas.ts";

export function registerListFeeds(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/feeds",
      tags: ["feeds"],
      summary:
        "The feeds this tenant sees (global catalog, its subscriptions, its private feeds) with health and last run",
      responses: {
        200: {
          description: "Feeds",
          content: { "application/json": { schema: z.object({ data: z.array(feedSchema) }) } },
        },
        ...apiErrors(401, 403),
      },
    }),
    async (c) => c.json({ data: await listFeeds({ ctx: serviceContext(c) }) }, 200),
  );
}

export function registerListFeedRuns(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/feeds/{id}/runs",
      tags: ["feeds"],
      summary: "A feed's runs, newest first: counts, duration, errors, rejected rows with line and reason",
      request: {
        params: feedIdParamSchema,
        query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
      },
      responses: {
        200: {
          description: "Runs",
          content: { "application/json": { schema: z.object({ data: z.array(feedRunDetailSchema) }) } },
        },
        ...apiErrors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit } = c.req.valid("query");
      return c.json(
        { data: await listFeedRuns({ ctx: serviceContext(c), input: { feedId: id, limit } }) },
        200,
      );
    },
  );
}
