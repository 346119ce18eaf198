import { createRoute, z } from "@hono/zod-openapi";
import { acceptInvitation, acceptInvitationInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext, assertSameOrigin } from "../../auth/authenticate.ts";
import { errorResponses } from "../auth/schemas.ts";

export function registerAcceptInvitation(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/invitations/acceptance",
      tags: ["invitations"],
      summary: "Accept an invitation (the token from the link) and choose a password; then sign in",
      request: {
        body: { content: { "application/json": { schema: acceptInvitationInput } }, required: true },
      },
      responses: {
        200: {
          description: "Accepted",
          content: {
            "application/json": {
              schema: z.object({
                userId: z.string(),
                tenantId: z.string(),
                email: z.string(),
                newUser: z.boolean(),
              }),
            },
          },
        },
        ...errorResponses(400, 403, 410),
      },
    }),
    async (c) => {
      assertSameOrigin(c);
      return c.json(await acceptInvitation({ ctx: anonymousContext(c), input: c.req.valid("json") }), 200);
    },
  );
}
