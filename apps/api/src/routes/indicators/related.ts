import { createRoute, z } from "@hono/zod-openapi";
import { listRelatedIndicators } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { jsonWithEtag } from "../etag.ts";
import { apiErrors, indicatorSchema } from "./schemas.ts";

export function registerRelatedIndicators(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/{id}/related",
      tags: ["indicators"],
      summary: "Related indicators: same URL host, same IP, same registrable domain, same feed event",
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        200: {
          description: "At most 50 per relation",
          content: {
            "application/json": {
              schema: z
                .object({
                  indicator: indicatorSchema,
                  related: z.array(
                    z.object({
                      relation: z.enum([
                        "same_host",
                        "same_ip",
                        "same_registrable_domain",
                        "same_feed_event",
                      ]),
                      indicator: indicatorSchema,
                    }),
                  ),
                })
                .openapi("RelatedIndicators"),
            },
          },
        },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) =>
      jsonWithEtag(c, await listRelatedIndicators({ ctx: serviceContext(c), input: c.req.valid("param") })),
  );
}
