import { createRoute, z } from "@hono/zod-openapi";
import { getIndicatorTimeline } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors, indicatorSchema } from "./schemas.ts";

const timelineEventSchema = z
  .union([
    z.object({
      kind: z.literal("observation"),
      at: z.string(),
      edge: z.enum(["first_seen", "last_seen"]),
      source: z.string(),
      reportCount: z.number().int(),
      malwareFamily: z.string().nullable(),
      threatType: z.string().nullable(),
    }),
    z.object({
      kind: z.literal("sighting"),
      at: z.string(),
      count: z.number().int(),
      sensor: z.string().nullable(),
      asset: z.string().nullable(),
      sightingId: z.string(),
    }),
  ])
  .openapi("TimelineEvent");

export function registerIndicatorTimeline(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/{id}/timeline",
      tags: ["indicators"],
      summary: "Observations by each source and the tenant's own sightings over time",
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        200: {
          description: "Oldest event first",
          content: {
            "application/json": {
              schema: z
                .object({ indicator: indicatorSchema, events: z.array(timelineEventSchema) })
                .openapi("IndicatorTimeline"),
            },
          },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) =>
      jsonWithEtag(c, await getIndicatorTimeline({ ctx: serviceContext(c), input: c.req.valid("param") })),
  );
}
