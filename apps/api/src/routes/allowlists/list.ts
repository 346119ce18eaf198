import { createRoute, z } from "@hono/zod-openapi";
import { listAllowlistEntries } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { allowlistEntrySchema } from "./schemas.ts";

export function registerListAllowlist(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/allowlist",
      tags: ["allowlist"],
      summary: "The tenant's allowlist (its own domains, ranges and brands)",
      responses: {
        200: {
          description: "Entries, newest first",
          content: { "application/json": { schema: z.object({ items: z.array(allowlistEntrySchema) }) } },
        },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => c.json({ items: await listAllowlistEntries({ ctx: serviceContext(c) }) }, 200),
  );
}
