import { createRoute, z } from "@hono/zod-openapi";
import { getIndicator } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors, indicatorSchema, indicatorTypeSchema } from "./schemas.ts";

export function registerGetIndicator(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/by-value",
      tags: ["indicators"],
      summary: "One indicator by value (defanged input accepted: `hxxp://evil[.]com`)",
      request: {
        query: z.object({
          value: z.string().min(1).max(4096),
          type: indicatorTypeSchema.optional(),
        }),
      },
      responses: {
        200: {
          description: "The indicator in this tenant's view",
          content: { "application/json": { schema: indicatorSchema } },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => jsonWithEtag(c, await getIndicator({ ctx: serviceContext(c), input: c.req.valid("query") })),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/{id}",
      tags: ["indicators"],
      summary: "One indicator by id (`ind_…` catalog, `pin_…` private)",
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        200: {
          description: "The indicator in this tenant's view",
          content: { "application/json": { schema: indicatorSchema } },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) =>
      jsonWithEtag(c, await getIndicator({ ctx: serviceContext(c), input: { id: c.req.valid("param").id } })),
  );
}
