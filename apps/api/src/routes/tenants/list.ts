import { createRoute, z } from "@hono/zod-openapi";
import { listTenants } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantSchema } from "./schemas.ts";

export function registerListTenants(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants",
      tags: ["tenants"],
      summary: "The acting tenant and the tenants it manages",
      responses: {
        200: {
          description: "Tenants",
          content: {
            "application/json": {
              schema: z.object({ tenant: tenantSchema.nullable(), children: z.array(tenantSchema) }),
            },
          },
        },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json(await listTenants({ ctx: serviceContext(c) }), 200),
  );
}
