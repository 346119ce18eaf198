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

/** Answer an AppError (or anything thrown) with the one error envelope. */
export function errorResponse(c: AppContext, error: unknown): Response {
  const requestId = c.get("requestId") ?? newId("request");
  const appError =
    error instanceof AppError
      ? error
      : new AppError("INTERNAL", "Something went wrong on our side. The request id helps support find it.");
  if (!(error instanceof AppError)) {
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
      await closeRequestDatabase(c);
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
