import { createRoute, z } from "@hono/zod-openapi";
import { listWarninglists } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";

const warninglistSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number(),
    type: z.string(),
    category: z.string().nullable(),
    matchingAttributes: z.array(z.string()),
    effect: z.enum(["suppress", "flag"]),
    enabled: z.boolean(),
    entryCount: z.number().int(),
    sourceUrl: z.string().nullable(),
    importedAt: z.string(),
  })
  .openapi("Warninglist");

export function registerListWarninglists(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/scoring/warninglists",
      tags: ["scoring"],
      summary: "The global known-benign lists (MISP warninglists) in use, with their effect",
      responses: {
        200: {
          description: "Lists (without their entries)",
          content: { "application/json": { schema: z.object({ items: z.array(warninglistSchema) }) } },
        },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => c.json({ items: await listWarninglists({ ctx: serviceContext(c) }) }, 200),
  );
}
