import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { switchActingTenant, switchActingTenantInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { currentActor } from "../../auth/require-actor.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { tenantViewSchema } from "./me.ts";
import { errorResponses } from "./schemas.ts";

export function registerActingTenant(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/acting-tenant",
      tags: ["auth"],
      summary: "Switch the MSSP session into one of its clients (tenantId), or back (null); audited in both",
      description:
        "The acting tenant is kept on the session, so later requests act in the client without naming it. Only MSSP staff, only their own MSSP's clients: any other tenant answers 404.",
      request: {
        body: { content: { "application/json": { schema: switchActingTenantInput } }, required: true },
      },
      responses: {
        200: {
          description: "The session's acting tenant now",
          content: {
            "application/json": {
              schema: z
                .object({ actingTenant: z.union([tenantViewSchema, z.null()]), homeTenant: tenantViewSchema })
                .openapi("ActingTenantSwitch"),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { authentication } = currentActor(c, { only: "session" });
      if (authentication.kind !== "session") throw new AppError("FORBIDDEN", "This needs a signed-in user");
      const ctx = serviceContext(c, { only: "session" });
      const result = await switchActingTenant({
        ctx,
        input: { ...c.req.valid("json"), sessionId: authentication.sessionId },
      });
      return c.json(result, 200);
    },
  );
}
