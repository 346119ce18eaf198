import { createRoute } from "@hono/zod-openapi";
import { getTenant } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams, tenantSchema } from "./schemas.ts";

export function registerGetTenant(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}",
      tags: ["tenants"],
      summary: "One tenant within reach",
      request: { params: tenantIdParams },
      responses: {
        200: { description: "The tenant", content: { "application/json": { schema: tenantSchema } } },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await getTenant({ ctx: serviceContext(c), input: c.req.valid("param") }), 200),
  );
}
