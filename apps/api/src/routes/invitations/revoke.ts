import { createRoute } from "@hono/zod-openapi";
import { revokeInvitation } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { idParam, tenantIdParams } from "../tenants/schemas.ts";

export function registerRevokeInvitation(app: App): void {
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/tenants/{tenantId}/invitations/{invitationId}",
      tags: ["invitations"],
      summary: "Revoke a pending invitation (its link stops working)",
      request: {
        params: tenantIdParams.extend({
          invitationId: idParam("inv").openapi({ param: { name: "invitationId", in: "path" } }),
        }),
      },
      responses: { 204: { description: "Revoked" }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      await revokeInvitation({ ctx: serviceContext(c), input: c.req.valid("param") });
      return c.body(null, 204);
    },
  );
}
