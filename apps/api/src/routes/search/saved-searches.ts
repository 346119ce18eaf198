import { createRoute, z } from "@hono/zod-openapi";
import { createSavedSearch, indicatorFilterSchema, listSavedSearches } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors } from "../indicators/schemas.ts";

const savedSearchSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    filter: z.record(z.string(), z.unknown()),
    taxiiCollection: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("SavedSearch");

export function registerSavedSearches(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/saved-searches",
      tags: ["search"],
      summary: "The tenant's saved searches (those marked taxiiCollection are TAXII collections too)",
      responses: {
        200: {
          description: "By name",
          content: { "application/json": { schema: z.object({ items: z.array(savedSearchSchema) }) } },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => jsonWithEtag(c, { items: await listSavedSearches({ ctx: serviceContext(c) }) }),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/saved-searches",
      tags: ["search"],
      summary: "Save a named filter, optionally as a TAXII collection",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  name: z.string().min(1).max(200),
                  description: z.string().max(2000).optional(),
                  filter: indicatorFilterSchema,
                  taxiiCollection: z.boolean().optional(),
                })
                .strict()
                .openapi("CreateSavedSearch"),
            },
          },
        },
      },
      responses: {
        201: { description: "Saved", content: { "application/json": { schema: savedSearchSchema } } },
        ...apiErrors(400, 401, 403, 409, 429),
      },
    }),
    async (c) => c.json(await createSavedSearch({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );
}
