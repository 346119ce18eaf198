import {
  blankSessionCookie,
  type MfaRequirement,
  rateLimitedError,
  readCredentials,
  sessionCookie,
  verifyRequestOrigin,
} from "@threatfusion/auth";
import { type Actor, AppError, type TenantTarget } from "@threatfusion/core";
import {
  type AnonymousContext,
  authenticateSession,
  authenticateToken,
  resolveActingTenant,
} from "@threatfusion/services";
import type { MiddlewareHandler } from "hono";
import type { AppContext, AppEnv } from "../app.ts";
import { rateLimiter } from "../durable-objects/rate-limiter.ts";
import { requestDatabase } from "./request-database.ts";
import { clientIp, usesSecureCookies } from "./request-facts.ts";

/** How the current request was authenticated (set together with `actor` and `tenant`). */
export type Authentication =
  | {
      kind: "session";
      sessionId: string;
      /** The tenant of the user's membership (the acting tenant may be one of its MSSP's clients). */
      homeTenant: TenantTarget;
      mfa: MfaRequirement;
      tenantSuspended: boolean;
    }
  | { kind: "token"; tokenId: string };

/** The header MSSP staff use to act inside one of their clients (checked against their reach). */
export const actingTenantHeader = "x-tf-tenant";

/** The context of the operations that run before an actor is known. */
export function anonymousContext(c: AppContext): AnonymousContext {
  return {
    db: requestDatabase(c),
    requestId: c.get("requestId"),
    logger: c.get("logger"),
    now: () => new Date(),
    ip: clientIp(c),
  };
}

/**
 * Rejects a state-changing request whose `Origin` is not ours (CSRF). Runs for every cookie-authenticated
 * request, and routes that set a cookie without one (sign-in, accepting an invitation) call it themselves.
 */
export function assertSameOrigin(c: AppContext): void {
  const config = c.get("config");
  const ok = verifyRequestOrigin({
    method: c.req.method,
    origin: c.req.header("origin") ?? null,
    host: c.req.header("host") ?? new URL(c.req.url).host,
    allowedOrigins: config.PUBLIC_ORIGIN ? [config.PUBLIC_ORIGIN] : [],
  });
  if (!ok) {
    throw new AppError(
      "CSRF_REJECTED",
      "State-changing requests signed in by cookie must come from the portal's own origin",
    );
  }
}

function unauthorized(message: string): AppError {
  return new AppError("UNAUTHORIZED", message, {
    headers: { "WWW-Authenticate": 'Bearer realm="threatfusion"' },
  });
}

async function authenticateBySession(c: AppContext, token: string): Promise<void> {
  const ctx = anonymousContext(c);
  const secure = usesSecureCookies(c.get("config"));
  const result = await authenticateSession({ ctx, input: { token } });
  if (!result.ok) {
    // A stale cookie makes the request anonymous (public routes and sign-in keep working) and is removed.
    ctx.logger.info("session cookie refused", { reason: result.reason });
    c.header("Set-Cookie", blankSessionCookie({ secure }), { append: true });
    return;
  }
  assertSameOrigin(c);
  if (result.refreshed) c.header("Set-Cookie", sessionCookie(token, { secure }), { append: true });
  const requested = c.req.header(actingTenantHeader)?.trim() || undefined;
  const tenant =
    result.mfa === "satisfied" || result.mfa === "not_required"
      ? await resolveActingTenant({
          ctx,
          input: { actor: result.actor, homeTenant: result.homeTenant, requestedTenantId: requested },
        })
      : result.homeTenant;
  setActor(c, result.actor, tenant, {
    kind: "session",
    sessionId: result.sessionId,
    homeTenant: result.homeTenant,
    mfa: result.mfa,
    tenantSuspended: result.tenantSuspended,
  });
}

async function authenticateByToken(c: AppContext, token: string): Promise<void> {
  const result = await authenticateToken({ ctx: anonymousContext(c), input: { token } });
  if (!result.ok) {
    c.get("logger").info("API token refused", { reason: result.reason });
    if (result.reason === "ip_not_allowed") {
      throw new AppError("FORBIDDEN", "This API token may not be used from this address");
    }
    if (result.reason === "tenant_unavailable") {
      throw new AppError("FORBIDDEN", "The tenant of this API token is suspended");
    }
    throw unauthorized(
      result.reason === "expired"
        ? "The API token has expired"
        : result.reason === "revoked"
          ? "The API token has been revoked"
          : "The API token is not valid",
    );
  }
  const requested = c.req.header(actingTenantHeader)?.trim();
  if (requested && requested !== result.tenant.tenantId) throw new AppError("NOT_FOUND", "No such tenant");
  const [perToken, perTenant] = [
    rateLimiter(c.env, `token:${result.actor.tokenId}`),
    rateLimiter(c.env, `tenant:${result.tenant.tenantId}`),
  ];
  const tokenDecision = await perToken.take(result.rateLimits.perToken);
  if (!tokenDecision.allowed) throw rateLimitedError(tokenDecision, "requests with this API token");
  const tenantDecision = await perTenant.take(result.rateLimits.perTenant);
  if (!tenantDecision.allowed) throw rateLimitedError(tenantDecision, "API requests for this tenant");
  c.header("RateLimit-Remaining", String(Math.min(tokenDecision.remaining, tenantDecision.remaining)));
  setActor(c, result.actor, result.tenant, { kind: "token", tokenId: result.actor.tokenId });
}

function setActor(c: AppContext, actor: Actor, tenant: TenantTarget, authentication: Authentication): void {
  c.set("actor", actor);
  c.set("tenant", tenant);
  c.set("authentication", authentication);
  c.set("logger", c.get("logger").child({ tenantId: tenant.tenantId, actor: actorLabel(actor) }));
}

function actorLabel(actor: Actor): string {
  return actor.kind === "user" ? actor.userId : actor.tokenId;
}

/**
 * Authenticates the request when it carries credentials and sets `actor`, `tenant` and `authentication`:
 * an `Authorization` header (Bearer API token, or Basic with the token as password) wins over the session
 * cookie; a malformed or unusable header is a 401 (never a silent fallback to the cookie). Requests without
 * credentials pass through anonymous: routes that need an actor use `requireActor()`.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const credentials = readCredentials(c.req.raw.headers, {
      secureCookies: usesSecureCookies(c.get("config")),
    });
    switch (credentials.kind) {
      case "invalid":
        throw unauthorized(
          credentials.reason === "unsupported_scheme"
            ? "Use Authorization: Bearer <API token> (or Basic with the token as password)"
            : "The Authorization header does not hold a ThreatFusion API token",
        );
      case "api_token":
        await authenticateByToken(c, credentials.token);
        break;
      case "session":
        await authenticateBySession(c, credentials.token);
        break;
      case "none":
        break;
    }
    await next();
  };
}
