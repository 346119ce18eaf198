import { type Actor, AppError, type TenantTarget } from "@threatfusion/core";
import type { MiddlewareHandler } from "hono";
import type { AppContext, AppEnv } from "../app.ts";
import type { Authentication } from "./authenticate.ts";

export interface RequireActorOptions {
  /**
   * Let a session that still owes its second factor (challenge or enrolment), or whose tenant is suspended,
   * through: only for finishing sign-in, enrolling TOTP, `me` and sign-out.
   */
  allowIncompleteSession?: boolean;
  /** Accept only this kind of credential (e.g. "session" for routes that mint API tokens). */
  only?: "session" | "token";
}

export interface ActingIdentity {
  actor: Actor;
  tenant: TenantTarget;
  authentication: Authentication;
}

/**
 * The authenticated actor of the request, or the 401 envelope. A session that has not finished signing in
 * answers MFA_REQUIRED (with what it owes in `details.mfa`); one of a suspended tenant answers FORBIDDEN.
 */
export function currentActor(c: AppContext, options: RequireActorOptions = {}): ActingIdentity {
  const actor = c.get("actor");
  const tenant = c.get("tenant");
  const authentication = c.get("authentication");
  if (!actor || !tenant || !authentication) {
    throw new AppError("UNAUTHORIZED", "Sign in, or send an API token", {
      headers: { "WWW-Authenticate": 'Bearer realm="threatfusion"' },
    });
  }
  if (options.only && authentication.kind !== options.only) {
    throw new AppError(
      "FORBIDDEN",
      options.only === "session"
        ? "This needs a signed-in user, not an API token"
        : "This needs an API token",
    );
  }
  if (authentication.kind === "session" && !options.allowIncompleteSession) {
    if (authentication.mfa === "challenge_required" || authentication.mfa === "enrolment_required") {
      throw new AppError("MFA_REQUIRED", "Finish signing in with your second factor first", {
        details: { mfa: authentication.mfa },
      });
    }
    if (authentication.tenantSuspended && authentication.homeTenant.tenantId === tenant.tenantId) {
      throw new AppError("FORBIDDEN", "This tenant is suspended");
    }
  }
  return { actor, tenant, authentication };
}

/** Middleware form of `currentActor`: `app.use("/api/v1/things/*", requireActor())`, or in `createRoute`. */
export function requireActor(options: RequireActorOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    currentActor(c, options);
    await next();
  };
}
