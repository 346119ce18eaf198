import { createRoute, z } from "@hono/zod-openapi";
import { sessionCookie } from "@threatfusion/auth";
import { endSession, signIn, signInInput } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext, assertSameOrigin } from "../../auth/authenticate.ts";
import { usesSecureCookies } from "../../auth/request-facts.ts";
import { errorResponses } from "./schemas.ts";

const signInResult = z
  .object({
    userId: z.string(),
    tenantId: z.string(),
    expiresAt: z.string(),
    mfa: z.enum(["satisfied", "not_required", "enrolment_required", "challenge_required"]),
  })
  .openapi("SignInResult");

export function registerSignIn(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/sign-in",
      tags: ["auth"],
      summary: "Sign in with e-mail and password; sets the session cookie",
      description:
        "Browsers must send their Origin. Throttled per account and per address: 429 or 423 with Retry-After. When `mfa` is `challenge_required`, POST /api/v1/auth/mfa/verify next; when `enrolment_required`, enrol TOTP first.",
      request: { body: { content: { "application/json": { schema: signInInput } }, required: true } },
      responses: {
        200: {
          description: "Signed in (maybe pending a second factor)",
          content: { "application/json": { schema: signInResult } },
        },
        ...errorResponses(400, 401, 403, 423, 429),
      },
    }),
    async (c) => {
      if (!c.req.header("authorization")) assertSameOrigin(c);
      const input = c.req.valid("json");
      const ctx = anonymousContext(c);
      // Session fixation: whatever session came with the request ends; sign-in always starts a new one.
      const previous = c.get("authentication");
      const previousActor = c.get("actor");
      if (previous?.kind === "session" && previousActor?.kind === "user") {
        await endSession({
          ctx,
          input: {
            sessionId: previous.sessionId,
            tenantId: previous.homeTenant.tenantId,
            userId: previousActor.userId,
          },
        });
      }
      const result = await signIn({ ctx, input: { ...input, userAgent: c.req.header("user-agent") } });
      c.header("Set-Cookie", sessionCookie(result.token, { secure: usesSecureCookies(c.get("config")) }), {
        append: true,
      });
      return c.json(
        {
          userId: result.userId,
          tenantId: result.tenantId,
          expiresAt: result.expiresAt.toISOString(),
          mfa: result.mfa,
        },
        200,
      );
    },
  );
}
