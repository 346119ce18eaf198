import { createRoute, z } from "@hono/zod-openapi";
import { dashboardSummaryInput, getDashboardSummary } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";

const countSchema = z.object({ key: z.string(), label: z.string(), count: z.number().int() });
const listedSchema = z.object({
  id: z.string(),
  type: z.string(),
  value: z.string(),
  score: z.number().int(),
  at: z.string(),
});

export const dashboardSummarySchema = z
  .object({
    totals: z.object({
      active: z.number().int(),
      highScore: z.number().int(),
      confirmed: z.number().int(),
      falsePositives: z.number().int(),
    }),
    byType: z.array(countSchema),
    bySource: z.array(countSchema),
    newPerDay: z.array(z.object({ day: z.string(), count: z.number().int() })),
    topMalwareFamilies: z.array(countSchema),
    topThreatTypes: z.array(countSchema),
    feeds: z.object({
      total: z.number().int(),
      ok: z.number().int(),
      failing: z.number().int(),
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          sourceId: z.string(),
          sourceName: z.string(),
          health: z.enum(["ok", "failing", "never", "disabled"]),
          lastStatus: z.string().nullable(),
          lastError: z.string().nullable(),
          lastSuccessAt: z.string().nullable(),
          consecutiveFailures: z.number().int(),
        }),
      ),
    }),
    recentSightings: z.array(
      listedSchema.extend({ sightings: z.number().int(), sensor: z.string().nullable() }),
    ),
    recentFalsePositives: z.array(listedSchema),
    generatedAt: z.string(),
  })
  .openapi("DashboardSummary");

export function registerDashboardSummary(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/dashboard/summary",
      tags: ["dashboard"],
      summary:
        "The tenant's dashboard in one call: counts by type and source, new per day, top families and threat types, feed health, recent sightings and false positives",
      request: { query: dashboardSummaryInput },
      responses: {
        200: {
          description: "Computed in SQL over the tenant's whole view",
          content: { "application/json": { schema: dashboardSummarySchema } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) =>
      c.json(await getDashboardSummary({ ctx: serviceContext(c), input: c.req.valid("query") }), 200),
  );
}
