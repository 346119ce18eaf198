import { createRoute, z } from "@hono/zod-openapi";
import { createAllowlistEntry } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { allowlistEntrySchema, createAllowlistEntrySchema } from "./schemas.ts";

export function registerCreateAllowlistEntry(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/allowlist",
      tags: ["allowlist"],
      summary: "Add an allowlist entry; applies retroactively to stored indicators",
      request: {
        body: { required: true, content: { "application/json": { schema: createAllowlistEntrySchema } } },
      },
      responses: {
        201: {
          description: "The entry, and how many of the tenant's indicators it suppressed now",
          content: {
            "application/json": { schema: allowlistEntrySchema.extend({ suppressedNow: z.number().int() }) },
          },
        },
        ...apiErrors(400, 401, 403, 409, 413, 429),
      },
    }),
    async (c) =>
      c.json(await createAllowlistEntry({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );
}
