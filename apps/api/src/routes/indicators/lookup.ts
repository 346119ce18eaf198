import { createRoute, z } from "@hono/zod-openapi";
import { lookupIndicators, maxLookupText, maxLookupValues } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors, indicatorSchema, indicatorTypeSchema } from "./schemas.ts";

export const lookupRequestSchema = z
  .object({
    values: z
      .array(z.string().max(4096))
      .max(maxLookupValues)
      .optional()
      .openapi({
        description: `Up to ${maxLookupValues} values, defanged or not`,
        example: ["hxxp://evil[.]example/x", "198.51.100[.]7"],
      }),
    text: z
      .string()
      .max(maxLookupText)
      .optional()
      .openapi({ description: "Free text; indicators are extracted first" }),
  })
  .strict()
  .refine((body) => body.values !== undefined || body.text !== undefined, "give values or text")
  .openapi("LookupRequest");

const lookupResultSchema = z
  .object({
    matches: z.array(
      z.object({
        input: z.string(),
        type: indicatorTypeSchema,
        value: z.string(),
        offset: z.number().int().optional(),
        indicators: z.array(indicatorSchema),
      }),
    ),
    misses: z.array(
      z.object({
        input: z.string(),
        type: indicatorTypeSchema.optional(),
        value: z.string().optional(),
        offset: z.number().int().optional(),
        reason: z.string().optional(),
      }),
    ),
  })
  .openapi("LookupResult");

export function registerLookupIndicators(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/indicators/lookup",
      tags: ["indicators"],
      summary: "Bulk lookup of up to 10,000 values or free text: matches and misses",
      request: { body: { required: true, content: { "application/json": { schema: lookupRequestSchema } } } },
      responses: {
        200: {
          description: "Matches (with the tenant's view) and misses",
          content: { "application/json": { schema: lookupResultSchema } },
        },
        ...apiErrors(400, 401, 403, 413, 429),
      },
    }),
    async (c) => c.json(await lookupIndicators({ ctx: serviceContext(c), input: c.req.valid("json") }), 200),
  );
}
