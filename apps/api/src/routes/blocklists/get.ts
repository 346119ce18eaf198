import { createRoute, z } from "@hono/zod-openapi";
import { type BlocklistVendor, vendorLimits } from "@threatfusion/exports";
import { getBlocklist } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { streamingContext } from "../exports/streaming.ts";
import { apiErrors } from "../indicators/schemas.ts";

const vendors = Object.keys(vendorLimits) as [BlocklistVendor, ...BlocklistVendor[]];

export function registerGetBlocklist(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/blocklists/{kind}",
      tags: ["blocklists"],
      summary: "Firewall blocklist (PAN-OS EDL style, one entry per line), or its changes `since` a cursor",
      description:
        "Full list: one entry per line, most recently seen first, capped at the vendor's size limit, with a strong ETag (send If-None-Match; 304 when unchanged) and the `X-Blocklist-Cursor` to start `since` polling from. `since` mode: `#next <cursor>` then `+entry` / `-entry` lines (or JSON with `format=json`); removals are expiry, revocation, false positives and allowlisting.",
      request: {
        params: z.object({ kind: z.enum(["ip", "domain", "url"]) }),
        query: z.object({
          vendor: z
            .enum(vendors)
            .optional()
            .openapi({ description: "Size guard and syntax (default plain: no cap)" }),
          since: z.string().max(256).optional(),
          format: z.enum(["text", "json"]).optional(),
          maxEntries: z
            .string()
            .regex(/^\d{1,9}$/)
            .optional(),
          wildcardSubdomains: z.enum(["true", "false"]).optional(),
          includeSuppressed: z.enum(["true", "false"]).optional(),
        }),
      },
      responses: {
        200: { description: "The list or the diff", content: { "text/plain": { schema: z.string() } } },
        304: { description: "Not modified (If-None-Match)" },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { kind } = c.req.valid("param");
      const query = c.req.valid("query");
      const { ctx, respond, close } = streamingContext(c);
      try {
        const answer = await getBlocklist({
          ctx,
          input: {
            kind,
            vendor: query.vendor,
            since: query.since,
            format: query.format,
            ifNoneMatch: c.req.header("if-none-match"),
            maxEntries: query.maxEntries === undefined ? undefined : Number(query.maxEntries),
            wildcardSubdomains: query.wildcardSubdomains === "true",
            includeSuppressed: query.includeSuppressed === "true",
          },
        });
        if (answer.status === 304) {
          await close();
          return new Response(null, { status: 304, headers: { etag: answer.etag } });
        }
        const headers: Record<string, string> = {
          "content-type": answer.contentType,
          "cache-control": "private, no-cache",
        };
        if (answer.etag) headers.etag = answer.etag;
        if (answer.next) headers["x-blocklist-cursor"] = answer.next;
        if (answer.entryLimit !== undefined) headers["x-blocklist-entry-limit"] = String(answer.entryLimit);
        return respond(answer.body, { status: 200, headers });
      } catch (error) {
        await close();
        throw error;
      }
    },
  );
}
