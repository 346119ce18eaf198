import { createRoute, z } from "@hono/zod-openapi";
import { submitFeedback } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { indicatorScoreSchema } from "./schemas.ts";

export function registerIndicatorFeedback(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/indicators/{id}/feedback",
      tags: ["scoring"],
      summary: "The tenant's verdict: false positive (drops the tenant score at once), confirmed, or none",
      request: {
        params: z.object({ id: z.string().max(64) }),
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({ verdict: z.enum(["false_positive", "confirmed", "none"]) }).strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "The indicator's score after the verdict",
          content: { "application/json": { schema: indicatorScoreSchema } },
        },
        ...apiErrors(400, 401, 403, 404, 429),
      },
    }),
    async (c) =>
      c.json(
        await submitFeedback({
          ctx: serviceContext(c),
          input: { indicatorId: c.req.valid("param").id, verdict: c.req.valid("json").verdict },
        }),
        200,
      ),
  );
}
