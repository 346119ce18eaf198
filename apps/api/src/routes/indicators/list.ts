import { createRoute, z } from "@hono/zod-openapi";
import { listIndicators } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors, filterFromQuery, indicatorFilterQuery, indicatorSchema } from "./schemas.ts";

export const indicatorPageSchema = z
  .object({ items: z.array(indicatorSchema), nextCursor: z.string().nullable() })
  .openapi("IndicatorPage");

export function registerListIndicators(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators",
      tags: ["indicators"],
      summary: "List the tenant's indicators with filters (newest last-seen first, keyset pagination)",
      request: {
        query: indicatorFilterQuery.extend({
          cursor: z
            .string()
            .max(256)
            .optional()
            .openapi({ description: "`nextCursor` of the previous page" }),
          limit: z
            .string()
            .regex(/^\d{1,4}$/)
            .optional()
            .openapi({ description: "1–1000, default 100" }),
        }),
      },
      responses: {
        200: {
          description: "A page of indicators",
          content: { "application/json": { schema: indicatorPageSchema } },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await listIndicators({
        ctx: serviceContext(c),
        input: {
          filter: filterFromQuery(query),
          cursor: query.cursor,
          limit: query.limit === undefined ? undefined : Number(query.limit),
        },
      });
      return jsonWithEtag(c, page);
    },
  );
}
