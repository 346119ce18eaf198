import { createRoute } from "@hono/zod-openapi";
import { createTenant, createTenantInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantSchema } from "./schemas.ts";

export function registerCreateTenant(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/tenants",
      tags: ["tenants"],
      summary: "Create a client tenant under the acting MSSP",
      request: { body: { content: { "application/json": { schema: createTenantInput } }, required: true } },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: tenantSchema } } },
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await createTenant({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );
}
