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
import { endTime, setMetric, startTime, wrapTime } from "hono/timing";
import type { AppContext, AppEnv } from "../app.ts";
import { takeRateLimitUnit } from "../durable-objects/rate-limit-lease.ts";
import { connectRequestDatabase, requestDatabase } from "./request-database.ts";
import { clientIp, usesSecureCookies } from "./request-facts.ts";
import { cachedToken, rememberToken, tokenCacheKey, type VerifiedToken } from "./token-cache.ts";

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
  const signedIn = result.mfa === "satisfied" || result.mfa === "not_required";
  let tenant = result.homeTenant;
  if (signedIn && requested !== undefined) {
    tenant = await resolveActingTenant({
      ctx,
      input: { actor: result.actor, homeTenant: result.homeTenant, requestedTenantId: requested },
    });
  } else if (signedIn && result.actingTenantId !== null) {
    // The client the session was switched into (stored server-side), re-checked on every request: one that
    // is out of reach now (archived, or the user lost the MSSP role) quietly returns to the home tenant.
    tenant = await resolveActingTenant({
      ctx,
      input: { actor: result.actor, homeTenant: result.homeTenant, requestedTenantId: result.actingTenantId },
    }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "NOT_FOUND") return result.homeTenant;
      throw error;
    });
  }
  setActor(c, result.actor, tenant, {
    kind: "session",
    sessionId: result.sessionId,
    homeTenant: result.homeTenant,
    mfa: result.mfa,
    tenantSuspended: result.tenantSuspended,
  });
}

/** Verifies an API token against its row (one definer-function query); refusals become 401/403. */
async function verifyToken(c: AppContext, token: string): Promise<VerifiedToken> {
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
  return result;
}

/** Admits a verified token's request: its tenant only, both rate budgets, then the actor is set. */
async function admitToken(c: AppContext, verified: VerifiedToken): Promise<void> {
  const requested = c.req.header(actingTenantHeader)?.trim();
  if (requested && requested !== verified.tenant.tenantId) throw new AppError("NOT_FOUND", "No such tenant");
  // Both budgets at once (in parallel, and mostly from this isolate's leases: rate-limit-lease.ts). A
  // request refused by the token's budget may still have spent one unit of the tenant's: the tenant budget
  // is the larger one, and the refused client is told to back off anyway.
  const [tokenDecision, tenantDecision] = await wrapTime(
    c,
    "rate-limit",
    Promise.all([
      takeRateLimitUnit(c.env, `token:${verified.actor.tokenId}`, verified.rateLimits.perToken),
      takeRateLimitUnit(c.env, `tenant:${verified.tenant.tenantId}`, verified.rateLimits.perTenant),
    ]),
  );
  if (!tokenDecision.allowed) throw rateLimitedError(tokenDecision, "requests with this API token");
  if (!tenantDecision.allowed) throw rateLimitedError(tenantDecision, "API requests for this tenant");
  c.header("RateLimit-Remaining", String(Math.min(tokenDecision.remaining, tenantDecision.remaining)));
  setActor(c, verified.actor, verified.tenant, { kind: "token", tokenId: verified.actor.tokenId });
}

/**
 * API token authentication. A token this isolate verified less than TOKEN_CACHE_SECONDS ago (token-cache.ts)
 * skips the lookup; otherwise the token is verified (one round trip over the driver's HTTP endpoint), then
 * admitted. No database session is opened here: a handler that needs one opens it on first use, and hot
 * reads (`readInTenant`) need none.
 */
async function authenticateByToken(c: AppContext, token: string): Promise<void> {
  const ttlMs = c.get("config").TOKEN_CACHE_SECONDS * 1000;
  const key = ttlMs > 0 ? await tokenCacheKey(token) : undefined;
  const cached = key === undefined ? undefined : cachedToken(key, Date.now());
  startTime(c, "auth");
  if (cached !== undefined) {
    setMetric(c, "token-cache", "hit");
    await admitToken(c, cached);
  } else {
    const verified = await verifyToken(c, token);
    if (key !== undefined) rememberToken(key, verified, Date.now(), ttlMs);
    await admitToken(c, verified);
  }
  endTime(c, "auth");
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
        await wrapTime(c, "db-connect", connectRequestDatabase(c));
        startTime(c, "auth");
        await authenticateBySession(c, credentials.token);
        endTime(c, "auth");
        break;
      case "none":
        break;
    }
    startTime(c, "handler");
    await next();
    endTime(c, "handler");
  };
}
