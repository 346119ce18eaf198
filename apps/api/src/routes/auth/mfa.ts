import { createRoute, z } from "@hono/zod-openapi";
import { sessionCookie } from "@threatfusion/auth";
import { AppError } from "@threatfusion/core";
import {
  confirmTotpEnrolment,
  confirmTotpInput,
  disableTotp,
  disableTotpInput,
  startTotpEnrolment,
  verifySecondFactor,
  verifySecondFactorInput,
} from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext } from "../../auth/authenticate.ts";
import { usesSecureCookies } from "../../auth/request-facts.ts";
import { currentActor } from "../../auth/require-actor.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "./schemas.ts";

export function registerMfaVerify(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/mfa/verify",
      tags: ["auth"],
      summary: "Second sign-in step: a TOTP code or a recovery code; replaces the session cookie",
      request: {
        body: { content: { "application/json": { schema: verifySecondFactorInput } }, required: true },
      },
      responses: {
        200: {
          description: "Verified; a new session cookie is set",
          content: { "application/json": { schema: z.object({ mfa: z.literal("satisfied") }) } },
        },
        ...errorResponses(400, 401, 403, 423, 429),
      },
    }),
    async (c) => {
      const { actor, authentication } = currentActor(c, { allowIncompleteSession: true, only: "session" });
      if (authentication.kind !== "session" || actor.kind !== "user")
        throw new AppError("FORBIDDEN", "Sign in first");
      const session = await verifySecondFactor({
        ctx: { ...anonymousContext(c), secretsKey: c.get("secretsKey") },
        input: {
          ...c.req.valid("json"),
          sessionId: authentication.sessionId,
          userId: actor.userId,
          tenantId: authentication.homeTenant.tenantId,
        },
      });
      c.header("Set-Cookie", sessionCookie(session.token, { secure: usesSecureCookies(c.get("config")) }), {
        append: true,
      });
      return c.json({ mfa: "satisfied" as const }, 200);
    },
  );
}

export function registerTotpEnrolment(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/totp/enrolment",
      tags: ["auth"],
      summary: "Start TOTP enrolment: a new secret and its otpauth:// URI (shown once)",
      responses: {
        200: {
          description: "Scan the URI, then confirm with a code",
          content: { "application/json": { schema: z.object({ secret: z.string(), uri: z.string() }) } },
        },
        ...errorResponses(401, 403, 409),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c, { allowIncompleteSession: true, only: "session" });
      const authentication = c.get("authentication");
      if (authentication?.kind === "session" && authentication.mfa === "challenge_required") {
        throw new AppError("MFA_REQUIRED", "Verify your current second factor first");
      }
      return c.json(await startTotpEnrolment({ ctx }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/totp/confirmation",
      tags: ["auth"],
      summary: "Confirm TOTP enrolment with a first code; returns ten single-use recovery codes (shown once)",
      request: { body: { content: { "application/json": { schema: confirmTotpInput } }, required: true } },
      responses: {
        200: {
          description: "TOTP enabled",
          content: { "application/json": { schema: z.object({ recoveryCodes: z.array(z.string()) }) } },
        },
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c, { allowIncompleteSession: true, only: "session" });
      const authentication = c.get("authentication");
      if (authentication?.kind === "session" && authentication.mfa === "challenge_required") {
        throw new AppError("MFA_REQUIRED", "Verify your current second factor first");
      }
      const sessionId = authentication?.kind === "session" ? authentication.sessionId : undefined;
      return c.json(await confirmTotpEnrolment({ ctx, input: { ...c.req.valid("json"), sessionId } }), 200);
    },
  );
}

export function registerTotpDisable(app: App): void {
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/auth/totp",
      tags: ["auth"],
      summary: "Turn TOTP off (needs a current code); recovery codes are dropped too",
      request: { body: { content: { "application/json": { schema: disableTotpInput } }, required: true } },
      responses: { 204: { description: "TOTP disabled" }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      await disableTotp({ ctx: serviceContext(c, { only: "session" }), input: c.req.valid("json") });
      return c.body(null, 204);
    },
  );
}
