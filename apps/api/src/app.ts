import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, type Config, createLogger, type Logger, newId, toErrorEnvelope } from "@threatfusion/core";
import type { Context } from "hono";
import { type Bindings, readConfig } from "./env.ts";

export interface AppVariables {
  requestId: string;
  config: Config;
  logger: Logger;
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
    await next();
    c.header("x-request-id", requestId);
  });

  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) =>
    errorResponse(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
}
