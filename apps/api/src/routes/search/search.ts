import { createRoute, z } from "@hono/zod-openapi";
import { searchIndicators } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { searchBackendFromConfig } from "../../search-backend.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors, filterFromQuery, indicatorSchema } from "../indicators/schemas.ts";

export function registerSearch(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/search",
      tags: ["search"],
      summary:
        "Full-text search over values, tags and context (Postgres by default, Meilisearch when configured)",
      request: {
        query: z.object({
          q: z.string().min(1).max(512).openapi({ example: "emotet" }),
          type: z.string().optional().openapi({ description: "Comma-separated types" }),
          limit: z
            .string()
            .regex(/^\d{1,3}$/)
            .optional()
            .openapi({ description: "1–200, default 50" }),
          cursor: z
            .string()
            .max(128)
            .optional()
            .openapi({ description: "`nextCursor` of the previous page" }),
        }),
      },
      responses: {
        200: {
          description: "Hits, best first, in the same shape whichever backend found them",
          content: {
            "application/json": {
              schema: z
                .object({
                  backend: z.enum(["postgres", "meilisearch"]),
                  items: z.array(z.object({ score: z.number(), indicator: indicatorSchema })),
                  nextCursor: z.string().nullable(),
                })
                .openapi("SearchResults"),
            },
          },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const backend = searchBackendFromConfig(c.get("config"));
      const types = filterFromQuery({ type: query.type }).types;
      const results = await searchIndicators({
        ctx: serviceContext(c),
        input: {
          q: query.q,
          types: types === undefined ? undefined : [...types],
          limit: query.limit === undefined ? undefined : Number(query.limit),
          cursor: query.cursor,
        },
        backend,
      });
      return jsonWithEtag(c, results);
    },
  );
}
