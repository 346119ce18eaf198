import { createRoute } from "@hono/zod-openapi";
import { suspendTenant } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams, tenantSchema } from "./schemas.ts";

export function registerSuspendTenant(app: App): void {
  for (const [verb, suspended] of [
    ["suspension", true],
    ["resumption", false],
  ] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/tenants/{tenantId}/${verb}`,
        tags: ["tenants"],
        summary: suspended
          ? "Suspend a client tenant (its users and tokens stop at once)"
          : "Resume a suspended client tenant",
        request: { params: tenantIdParams },
        responses: {
          200: { description: "Done", content: { "application/json": { schema: tenantSchema } } },
          ...errorResponses(401, 403, 404),
        },
      }),
      async (c) =>
        c.json(
          await suspendTenant({ ctx: serviceContext(c), input: { ...c.req.valid("param"), suspended } }),
          200,
        ),
    );
  }
}
