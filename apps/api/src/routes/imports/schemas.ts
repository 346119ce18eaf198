import { z } from "@hono/zod-openapi";
import { rejectedRowSchema } from "../feeds/schemas.ts";

export const importRunIdParamSchema = z.object({
  runId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "runId", in: "path" }, example: "frn_06h17rk1c8s2f98v9ny3hyg5bm" }),
});

export const acceptedImportSchema = z
  .object({
    runId: z.string(),
    feedId: z.string(),
    status: z.literal("queued"),
    bytes: z.number().openapi({ description: "Bytes stored" }),
    storage: z.enum(["r2", "postgres"]),
    statusUrl: z.string().openapi({ description: "Poll this for progress and the summary" }),
  })
  .openapi("AcceptedImport");

export const importProgressSchema = z
  .object({
    runId: z.string(),
    feedId: z.string(),
    status: z.enum(["queued", "parsing", "applying", "succeeded", "partial", "failed"]),
    finished: z.boolean(),
    requestedFormat: z.string(),
    format: z.string().nullable().openapi({
      description: "The format parsed (`text`: free-text extraction); null until parsing starts",
    }),
    bytesTotal: z.number(),
    bytesParsed: z.number(),
    linesParsed: z.number(),
    parsed: z.number(),
    new: z.number(),
    changed: z.number(),
    unchanged: z.number(),
    rejected: z.number(),
    skipped: z.number(),
    rejectedRows: z.array(rejectedRowSchema),
    error: z.string().nullable(),
    failureReason: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("ImportProgress");
