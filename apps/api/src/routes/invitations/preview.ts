import { createRoute, z } from "@hono/zod-openapi";
import { previewInvitation, previewInvitationInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext } from "../../auth/authenticate.ts";
import { errorResponses } from "../auth/schemas.ts";

export function registerPreviewInvitation(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/invitations/preview",
      tags: ["invitations"],
      summary: "What an invitation link is for (tenant, brand, e-mail, role), before accepting it",
      description:
        "Anonymous: the token from the link's fragment is the credential (sent in the body, never in a URL). Writes nothing.",
      request: {
        body: { content: { "application/json": { schema: previewInvitationInput } }, required: true },
      },
      responses: {
        200: {
          description: "The invitation",
          content: {
            "application/json": {
              schema: z
                .object({
                  email: z.string(),
                  role: z.string(),
                  expiresAt: z.string(),
                  existingAccount: z.boolean(),
                  tenant: z.object({ name: z.string(), slug: z.string(), kind: z.string() }),
                  branding: z.record(z.string(), z.unknown()),
                })
                .openapi("InvitationPreview"),
            },
          },
        },
        ...errorResponses(400, 410),
      },
    }),
    async (c) =>
      c.json(await previewInvitation({ ctx: anonymousContext(c), input: c.req.valid("json") }), 200),
  );
}
