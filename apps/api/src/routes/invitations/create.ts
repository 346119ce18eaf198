import { createRoute, z } from "@hono/zod-openapi";
import { createInvitationInput, createTenantInvitation } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams } from "../tenants/schemas.ts";

const invitationCreated = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    email: z.string(),
    role: z.string(),
    expiresAt: z.string(),
    link: z.string().nullable().openapi({ description: "Only in development (mail is logged, not sent)" }),
  })
  .openapi("InvitationCreated");

export function registerCreateInvitation(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/tenants/{tenantId}/invitations",
      tags: ["invitations"],
      summary: "Invite someone into a tenant with a role (single-use link by e-mail, valid 7 days)",
      request: {
        params: tenantIdParams,
        body: { content: { "application/json": { schema: createInvitationInput } }, required: true },
      },
      responses: {
        201: { description: "Invited", content: { "application/json": { schema: invitationCreated } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const origin = c.get("config").PUBLIC_ORIGIN ?? new URL(c.req.url).origin;
      const created = await createTenantInvitation({
        ctx: serviceContext(c),
        input: { ...c.req.valid("json"), ...c.req.valid("param"), acceptUrl: `${origin}/invitations/accept` },
      });
      return c.json(created, 201);
    },
  );
}
