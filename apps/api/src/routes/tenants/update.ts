import { createRoute } from "@hono/zod-openapi";
import { updateTenant, updateTenantInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams, tenantSchema } from "./schemas.ts";

export function registerUpdateTenant(app: App): void {
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/tenants/{tenantId}",
      tags: ["tenants"],
      summary:
        "Rename a tenant; the MSSP also sets branding, domain, quotas, token policy and MFA requirement",
      request: {
        params: tenantIdParams,
        body: { content: { "application/json": { schema: updateTenantInput } }, required: true },
      },
      responses: {
        200: { description: "Updated", content: { "application/json": { schema: tenantSchema } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await updateTenant({
          ctx: serviceContext(c),
          input: { ...c.req.valid("json"), ...c.req.valid("param") },
        }),
        200,
      ),
  );
}
