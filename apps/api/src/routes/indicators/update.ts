import { createRoute, z } from "@hono/zod-openapi";
import { updateIndicator } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors, indicatorSchema, indicatorStatusSchema } from "./schemas.ts";

const tagList = z.array(z.string().min(1).max(200)).max(100);

export const updateIndicatorSchema = z
  .object({
    status: indicatorStatusSchema
      .optional()
      .openapi({ description: "false_positive and allowlisted leave exports" }),
    notes: z.string().max(20_000).nullable().optional(),
    tags: tagList.optional().openapi({ description: "Replaces the tenant's tags" }),
    addTags: tagList.optional(),
    removeTags: tagList.optional(),
  })
  .strict()
  .openapi("UpdateIndicator");

export function registerUpdateIndicator(app: App): void {
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/indicators/{id}",
      tags: ["indicators"],
      summary: "Update the tenant's overlay: status (false positive, confirmed, allowlisted…), notes, tags",
      request: {
        params: z.object({ id: z.string().max(64) }),
        body: { required: true, content: { "application/json": { schema: updateIndicatorSchema } } },
      },
      responses: {
        200: {
          description: "The indicator after the change",
          content: { "application/json": { schema: indicatorSchema } },
        },
        ...apiErrors(400, 401, 403, 404, 413, 429),
      },
    }),
    async (c) =>
      c.json(
        await updateIndicator({
          ctx: serviceContext(c),
          input: { ...c.req.valid("json"), id: c.req.valid("param").id },
        }),
        200,
      ),
  );
}
