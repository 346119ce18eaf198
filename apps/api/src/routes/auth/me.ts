import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../app.ts";
import { currentActor } from "../../auth/require-actor.ts";
import { actorSchema, errorResponses } from "./schemas.ts";

const meSchema = z
  .object({
    actor: actorSchema,
    tenant: z.object({ tenantId: z.string(), msspId: z.string().nullable() }),
    authentication: z.enum(["session", "token"]),
    mfa: z.enum(["satisfied", "not_required", "enrolment_required", "challenge_required"]).nullable(),
  })
  .openapi("Me");

export function registerMe(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/auth/me",
      tags: ["auth"],
      summary: "Who the request acts as, in which tenant, and what sign-in still owes",
      responses: {
        200: { description: "The acting identity", content: { "application/json": { schema: meSchema } } },
        ...errorResponses(401),
      },
    }),
    (c) => {
      const { actor, tenant, authentication } = currentActor(c, { allowIncompleteSession: true });
      return c.json(
        {
          actor: actor.kind === "user" ? actor : { ...actor, scopes: [...actor.scopes] },
          tenant,
          authentication: authentication.kind,
          mfa: authentication.kind === "session" ? authentication.mfa : null,
        },
        200,
      );
    },
  );
}
