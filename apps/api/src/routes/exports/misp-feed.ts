import { createRoute, z } from "@hono/zod-openapi";
import { ifNoneMatchHits } from "@threatfusion/exports";
import { getMispFeedEvent, getMispFeedHashes, getMispFeedManifest } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { streamingContext } from "./streaming.ts";

const feedEtag = (stamp: string, part: string) => `"misp-${part}-${stamp.replace(/[^0-9]/g, "")}"`;

/** The tenant's MISP feed layout: point a MISP instance's "Add feed" (MISP Feed format) at `/api/v1/exports/misp-feed`. */
export function registerMispFeed(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/exports/misp-feed/manifest.json",
      tags: ["exports"],
      summary: "MISP feed manifest (one event per tenant; its timestamp follows the newest change)",
      responses: {
        200: {
          description: "manifest.json",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        304: { description: "Not modified" },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => {
      const { body, stamp } = await getMispFeedManifest({ ctx: serviceContext(c) });
      const etag = feedEtag(stamp, "manifest");
      if (ifNoneMatchHits(c.req.header("if-none-match"), etag))
        return new Response(null, { status: 304, headers: { etag } });
      return new Response(body, { status: 200, headers: { "content-type": "application/json", etag } });
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/exports/misp-feed/hashes.csv",
      tags: ["exports"],
      summary: "MISP feed hashes.csv (md5 of each attribute value, event uuid)",
      responses: {
        200: { description: "hashes.csv", content: { "text/csv": { schema: z.string() } } },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => {
      const { ctx, respond, close } = streamingContext(c);
      try {
        const { body, stamp } = await getMispFeedHashes({ ctx });
        return respond(body, {
          status: 200,
          headers: { "content-type": "text/csv; charset=utf-8", etag: feedEtag(stamp, "hashes") },
        });
      } catch (error) {
        await close();
        throw error;
      }
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/exports/misp-feed/{event}",
      tags: ["exports"],
      summary: "MISP feed event `<uuid>.json` with every active indicator as an attribute",
      request: {
        params: z.object({
          event: z
            .string()
            .regex(/^[0-9a-f-]{36}\.json$/)
            .openapi({ example: "0f8e…json" }),
        }),
      },
      responses: {
        200: {
          description: "The event",
          content: { "application/json": { schema: z.object({ Event: z.record(z.string(), z.unknown()) }) } },
        },
        304: { description: "Not modified" },
        ...apiErrors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const uuid = c.req.valid("param").event.replace(/\.json$/, "");
      const { ctx, respond, close } = streamingContext(c);
      try {
        const { body, stamp } = await getMispFeedEvent({ ctx, input: { uuid } });
        if (ifNoneMatchHits(c.req.header("if-none-match"), feedEtag(stamp, uuid))) {
          await body.cancel();
          await close();
          return new Response(null, { status: 304, headers: { etag: feedEtag(stamp, uuid) } });
        }
        return respond(body, {
          status: 200,
          headers: { "content-type": "application/json", etag: feedEtag(stamp, uuid) },
        });
      } catch (error) {
        await close();
        throw error;
      }
    },
  );
}
