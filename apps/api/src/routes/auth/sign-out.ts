import { createRoute } from "@hono/zod-openapi";
import { blankSessionCookie } from "@threatfusion/auth";
import { endSession } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext } from "../../auth/authenticate.ts";
import { usesSecureCookies } from "../../auth/request-facts.ts";
import { currentActor } from "../../auth/require-actor.ts";
import { errorResponses } from "./schemas.ts";

export function registerSignOut(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/sign-out",
      tags: ["auth"],
      summary: "End the current session and remove its cookie",
      responses: { 204: { description: "Signed out" }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      const { actor, authentication } = currentActor(c, { allowIncompleteSession: true, only: "session" });
      if (authentication.kind === "session" && actor.kind === "user") {
        await endSession({
          ctx: anonymousContext(c),
          input: {
            sessionId: authentication.sessionId,
            tenantId: authentication.homeTenant.tenantId,
            userId: actor.userId,
          },
        });
      }
      c.header("Set-Cookie", blankSessionCookie({ secure: usesSecureCookies(c.get("config")) }), {
        append: true,
      });
      return c.body(null, 204);
    },
  );
}
