import { z } from "@hono/zod-openapi";

const reasonSchema = z
  .object({
    listId: z.string(),
    listName: z.string().openapi({ example: "List of known Amazon AWS IP address ranges" }),
    kind: z.enum(["warninglist", "allowlist", "reserved"]),
    entry: z.string(),
    effect: z.enum(["suppress", "flag"]),
  })
  .openapi("SuppressionReason");

const factorSchema = z.object({
  key: z.string(),
  label: z.string(),
  weight: z.number(),
  contribution: z.number(),
  detail: z.string(),
});

const explanationSchema = z
  .object({
    summary: z.string().openapi({
      example: "score 80: C2 server (Feodo Tracker, reliability B), seen by 3 sources, decaying for 2 days",
    }),
    factors: z.array(factorSchema),
    clauses: z.array(z.string()),
    independentSources: z.number().int(),
    liveScore: z.number(),
  })
  .openapi("ScoreExplanation");

const sideSchema = z.object({
  score: z.number().int(),
  expired: z.boolean(),
  nextReactionAt: z.string().nullable(),
  explanation: explanationSchema.nullable(),
  suppressed: z.boolean(),
  suppressionReasons: z.array(reasonSchema),
});

export const indicatorScoreSchema = z
  .object({
    indicatorId: z.string(),
    type: z.string(),
    value: z.string(),
    score: z.number().int().openapi({ description: "The tenant's effective score, else the global score" }),
    confidence: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Confidence across sources (not the score)" }),
    expired: z.boolean(),
    suppressed: z.boolean(),
    suppressionReasons: z.array(reasonSchema),
    summary: z.string().nullable(),
    status: z.string(),
    global: sideSchema.extend({ scoredAt: z.string().nullable() }),
    tenant: sideSchema.nullable(),
  })
  .openapi("IndicatorScore");

export const scoringModelSchema = z
  .object({
    scope: z.enum(["global", "clients"]),
    ownerTenantId: z.string().nullable(),
    editable: z.boolean(),
    model: z.record(z.string(), z.unknown()),
    defaults: z.record(z.string(), z.unknown()),
    settings: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    updatedAt: z.string().nullable(),
  })
  .openapi("ScoringModel");
