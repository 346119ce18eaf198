import { createRoute, z } from "@hono/zod-openapi";
import { listInvitations } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams } from "../tenants/schemas.ts";

const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    acceptedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("Invitation");

export function registerListInvitations(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}/invitations",
      tags: ["invitations"],
      summary: "A tenant's invitations",
      request: { params: tenantIdParams },
      responses: {
        200: {
          description: "Invitations",
          content: { "application/json": { schema: z.array(invitationSchema) } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await listInvitations({ ctx: serviceContext(c), input: c.req.valid("param") }), 200),
  );
}
