import { createRoute, z } from "@hono/zod-openapi";
import { createIndicator } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors, indicatorSchema, indicatorTypeSchema, tlpSchema } from "./schemas.ts";

export const createIndicatorSchema = z
  .object({
    value: z.string().min(1).max(4096).openapi({ example: "hxxps://login-update[.]example/verify" }),
    type: indicatorTypeSchema.optional(),
    confidence: z.number().int().min(0).max(100).optional(),
    score: z.number().int().min(0).max(100).optional(),
    tlp: tlpSchema.optional(),
    tags: z.array(z.string().min(1).max(200)).max(50).optional(),
    description: z.string().max(10_000).optional(),
    firstSeen: z.iso.datetime({ offset: true }).optional(),
    lastSeen: z.iso.datetime({ offset: true }).optional(),
    sharedWithAllClients: z.boolean().optional(),
  })
  .strict()
  .openapi("CreateIndicator");

export function registerCreateIndicator(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/indicators",
      tags: ["indicators"],
      summary: "Create a tenant-private indicator (never written to the global catalog)",
      request: {
        body: { required: true, content: { "application/json": { schema: createIndicatorSchema } } },
      },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: indicatorSchema } } },
        ...apiErrors(400, 401, 403, 409, 413, 429),
      },
    }),
    async (c) => c.json(await createIndicator({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );
}
