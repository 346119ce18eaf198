import { createRoute, z } from "@hono/zod-openapi";
import { describeSession } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { currentActor } from "../../auth/require-actor.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { actorSchema, errorResponses } from "./schemas.ts";

export const tenantViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["platform", "mssp", "client"]),
    slug: z.string(),
  })
  .openapi("TenantView");

const meSchema = z
  .object({
    actor: actorSchema,
    tenant: z.object({ tenantId: z.string(), msspId: z.string().nullable() }),
    authentication: z.enum(["session", "token"]),
    mfa: z.enum(["satisfied", "not_required", "enrolment_required", "challenge_required"]).nullable(),
    /** The signed-in person; null for API tokens. */
    user: z.object({ id: z.string(), email: z.string(), displayName: z.string().nullable() }).nullable(),
    /** The tenant of the membership; null for API tokens (see `tenant`). */
    homeTenant: z.union([tenantViewSchema, z.null()]),
    /** The client an MSSP user switched into (`POST /api/v1/auth/acting-tenant`), else null. */
    actingTenant: z.union([tenantViewSchema, z.null()]),
  })
  .openapi("Me");

export function registerMe(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/auth/me",
      tags: ["auth"],
      summary: "Who the request acts as (name, e-mail), in which tenant, and what sign-in still owes",
      responses: {
        200: { description: "The acting identity", content: { "application/json": { schema: meSchema } } },
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const { actor, tenant, authentication } = currentActor(c, { allowIncompleteSession: true });
      // Names are for people in the portal; a token's `me` stays a pure credential check (no extra query).
      const described =
        authentication.kind === "session"
          ? await describeSession({ ctx: serviceContext(c, { allowIncompleteSession: true }) })
          : { user: null, homeTenant: null, actingTenant: null };
      return c.json(
        {
          actor: actor.kind === "user" ? actor : { ...actor, scopes: [...actor.scopes] },
          tenant,
          authentication: authentication.kind,
          mfa: authentication.kind === "session" ? authentication.mfa : null,
          user: described.user,
          homeTenant: described.homeTenant,
          actingTenant: described.actingTenant,
        },
        200,
      );
    },
  );
}
