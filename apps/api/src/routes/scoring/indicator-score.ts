import { createRoute, z } from "@hono/zod-openapi";
import { getIndicatorScore } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { indicatorScoreSchema } from "./schemas.ts";

export function registerIndicatorScore(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/{id}/score",
      tags: ["scoring"],
      summary: "Score, confidence and their explanation; suppression with reasons (global and this tenant's)",
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        200: {
          description: "Stored values (materialized at ingestion, on feedback and at decay reaction points)",
          content: { "application/json": { schema: indicatorScoreSchema } },
        },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) =>
      c.json(
        await getIndicatorScore({ ctx: serviceContext(c), input: { id: c.req.valid("param").id } }),
        200,
      ),
  );
}
