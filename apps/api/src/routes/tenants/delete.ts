import { createRoute } from "@hono/zod-openapi";
import { deleteTenant, deleteTenantInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams } from "./schemas.ts";

export function registerDeleteTenant(app: App): void {
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/tenants/{tenantId}",
      tags: ["tenants"],
      summary: "Delete a suspended client tenant after exporting its data",
      request: {
        params: tenantIdParams,
        body: { content: { "application/json": { schema: deleteTenantInput } }, required: true },
      },
      responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      await deleteTenant({
        ctx: serviceContext(c),
        input: { ...c.req.valid("json"), ...c.req.valid("param") },
      });
      return c.body(null, 204);
    },
  );
}
