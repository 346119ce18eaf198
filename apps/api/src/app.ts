import { OpenAPIHono } from "@hono/zod-openapi";
import {
  type Actor,
  AppError,
  type Config,
  createLogger,
  type Logger,
  newId,
  type TenantTarget,
  toErrorEnvelope,
} from "@threatfusion/core";
import type { DatabaseHandle } from "@threatfusion/db";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { timing } from "hono/timing";
import { type Authentication, authenticate } from "./auth/authenticate.ts";
import { closeRequestDatabase } from "./auth/request-database.ts";
import { secretsKeyOf } from "./auth/request-facts.ts";
import { type Bindings, readConfig } from "./env.ts";

export interface AppVariables {
  requestId: string;
  config: Config;
  logger: Logger;
  /** Set by `authenticate()` when the request carries valid credentials; read with `currentActor(c)`. */
  actor?: Actor | undefined;
  /** The acting tenant (the actor's own, or a client an MSSP user switched into). */
  tenant?: TenantTarget | undefined;
  authentication?: Authentication | undefined;
  /** The request's app-role database, opened on first use by `requestDatabase(c)`. */
  database?: DatabaseHandle | undefined;
  /** `SECRETS_KEY` as an AES-GCM key, when configured. */
  secretsKey?: CryptoKey | undefined;
}

export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
export type App = OpenAPIHono<AppEnv>;
export type AppContext = Context<AppEnv>;

/**
 * Hono's own 4xx errors (e.g. its validator's "Malformed JSON in request body") become the matching envelope
 * instead of a 500.
 */
function clientHttpError(error: unknown): AppError | undefined {
  // Postgres "data exception" (class 22: a NUL byte in text, an out-of-range number …) is bad input that
  // slipped past validation, not a fault of ours.
  const sqlState = postgresErrorCode(error);
  if (sqlState?.startsWith("22"))
    return new AppError("BAD_REQUEST", "The input holds a value that cannot be stored");
  if (!(error instanceof HTTPException) || error.status >= 500) return undefined;
  const code =
    error.status === 413
      ? "PAYLOAD_TOO_LARGE"
      : error.status === 415
        ? "UNSUPPORTED_MEDIA_TYPE"
        : "BAD_REQUEST";
  return new AppError(code, error.message || "The request is malformed");
}

function postgresErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/** The request's ExecutionContext, or undefined where there is none (Hono's getter throws then). */
function executionContextOf(c: AppContext): { waitUntil(promise: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** Answer an AppError (or anything thrown) with the one error envelope. */
export function errorResponse(c: AppContext, error: unknown): Response {
  const requestId = c.get("requestId") ?? newId("request");
  const appError =
    error instanceof AppError
      ? error
      : (clientHttpError(error) ??
        new AppError("INTERNAL", "Something went wrong on our side. The request id helps support find it."));
  if (!(error instanceof AppError) && appError.code === "INTERNAL") {
    (c.get("logger") ?? createLogger()).error("unhandled error", {
      requestId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  }
  const response = c.json(toErrorEnvelope(appError, requestId), appError.status as 400);
  for (const [name, value] of Object.entries(appError.headers)) response.headers.set(name, value);
  return response;
}

/**
 * The one app factory, used by the Worker entry and by tests. Every route module registers itself on
 * the app it is given; validation failures and thrown errors leave as the one error envelope.
 */
export function newApp(): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({
          path: issue.path.join("."),
          message: issue.message,
        }));
        return errorResponse(
          c as AppContext,
          new AppError(
            "VALIDATION_FAILED",
            issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; "),
            {
              details: issues,
            },
          ),
        );
      }
    },
  });

  // Per-phase durations (auth, db-connect, rate-limit, total) as a Server-Timing header outside production,
  // where the benchmark and developers read where a request's time goes.
  app.use(
    "*",
    timing({
      enabled: (c) => (c as AppContext).get("config")?.ENVIRONMENT !== "production",
      crossOrigin: false,
    }),
  );
  app.use("*", async (c, next) => {
    const requestId = newId("request");
    c.set("requestId", requestId);
    const logger = createLogger({ requestId });
    c.set("logger", logger);
    const config = readConfig(c.env);
    if (!config.ok) {
      throw new AppError("SERVICE_UNAVAILABLE", `Configuration is invalid: ${config.problems.join("; ")}`);
    }
    c.set("config", config.config);
    const secretsKey = secretsKeyOf(config.config);
    if (secretsKey) c.set("secretsKey", await secretsKey);
    try {
      await next();
    } finally {
      // Closing the connection (terminate message, WebSocket close) need not delay the response: after it
      // when the runtime lets the request live on (waitUntil), before it otherwise (app.request in tests).
      const closing = closeRequestDatabase(c);
      const executionCtx = executionContextOf(c);
      if (executionCtx) executionCtx.waitUntil(closing);
      else await closing;
    }
    c.header("x-request-id", requestId);
  });
  app.use("*", authenticate());

  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) =>
    errorResponse(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
}
