import { createRoute, z } from "@hono/zod-openapi";
import { brandingForHost } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { anonymousContext } from "../../auth/authenticate.ts";

const brandingSchema = z
  .object({
    kind: z.string(),
    slug: z.string(),
    name: z.string(),
    branding: z.record(z.string(), z.unknown()),
  })
  .nullable()
  .openapi("PublicBranding");

/** Public: the branding of the tenant the request's host names (custom domain or slug subdomain). */
export function registerBrandingRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/branding",
      tags: ["branding"],
      summary: "Pre-sign-in branding for the request's host (null: the platform's default look)",
      request: {
        query: z.object({
          host: z
            .string()
            .max(253)
            .optional()
            .openapi({ description: "Override the Host header (portal dev server)" }),
        }),
      },
      responses: {
        200: { description: "Branding", content: { "application/json": { schema: brandingSchema } } },
      },
    }),
    async (c) => {
      const config = c.get("config");
      const host = c.req.valid("query").host ?? c.req.header("host") ?? new URL(c.req.url).host;
      const platformHost = config.PUBLIC_ORIGIN
        ? new URL(config.PUBLIC_ORIGIN).host
        : new URL(c.req.url).host;
      c.header("Cache-Control", "public, max-age=300");
      return c.json(await brandingForHost({ ctx: anonymousContext(c), input: { host, platformHost } }), 200);
    },
  );
}
