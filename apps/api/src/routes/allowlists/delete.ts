import { createRoute, z } from "@hono/zod-openapi";
import { deleteAllowlistEntry } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";

export function registerDeleteAllowlistEntry(app: App): void {
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/allowlist/{id}",
      tags: ["allowlist"],
      summary: "Remove an allowlist entry; what it alone suppressed is restored",
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        200: {
          description: "The removed entry's id and how many indicators were restored",
          content: {
            "application/json": { schema: z.object({ id: z.string(), restored: z.number().int() }) },
          },
        },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) =>
      c.json(
        await deleteAllowlistEntry({ ctx: serviceContext(c), input: { id: c.req.valid("param").id } }),
        200,
      ),
  );
}
