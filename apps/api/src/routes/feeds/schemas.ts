import { z } from "@hono/zod-openapi";
import { errorResponses } from "../auth/schemas.ts";

export const apiErrors = errorResponses;

export const feedIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "fed_06h17rk1c8s2f98v9ny3hyg5bm" }),
});

export const feedRunSchema = z
  .object({
    id: z.string(),
    status: z.string().openapi({ description: "running, succeeded, partial (some rows rejected) or failed" }),
    trigger: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    httpStatus: z.number().nullable(),
    bytesFetched: z.number(),
    rowsParsed: z.number(),
    rowsRejected: z.number(),
    rowsSkipped: z.number(),
    indicatorsNew: z.number(),
    indicatorsChanged: z.number(),
    indicatorsUnchanged: z.number(),
    chunksExpected: z.number().nullable(),
    chunksDone: z.number(),
    error: z.string().nullable(),
    failureReason: z.string().nullable(),
  })
  .openapi("FeedRun");

export const rejectedRowSchema = z
  .object({ line: z.number(), reason: z.string(), raw: z.string() })
  .openapi("RejectedRow");

export const feedRunDetailSchema = feedRunSchema
  .extend({ rejected: z.array(rejectedRowSchema) })
  .openapi("FeedRunDetail");

export const feedSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(["global", "private"]),
    tenantId: z.string().nullable(),
    catalogId: z.string().nullable(),
    provider: z.string().nullable(),
    source: z.object({ id: z.string(), name: z.string(), reliability: z.string() }),
    format: z.string(),
    url: z.string().nullable(),
    cadenceSeconds: z.number().nullable(),
    enabled: z.boolean(),
    subscribed: z.boolean(),
    health: z.object({
      nextFetchAt: z.string().nullable(),
      consecutiveFailures: z.number(),
      lastStatus: z.string().nullable(),
      lastError: z.string().nullable(),
      lastSuccessAt: z.string().nullable(),
    }),
    lastRun: feedRunSchema.nullable(),
  })
  .openapi("Feed");
