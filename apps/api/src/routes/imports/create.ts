import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { importFormats, importIndicators } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { sendTenantChanges } from "../../queue/consumer.ts";
import { withIngestDatabase } from "../feeds/ingest-database.ts";
import { apiErrors, rejectedRowSchema } from "../feeds/schemas.ts";

const importSummarySchema = z
  .object({
    runId: z.string(),
    feedId: z.string(),
    format: z.string().openapi({ description: "The format parsed (`text`: free-text extraction)" }),
    status: z.string(),
    parsed: z.number(),
    new: z.number(),
    changed: z.number(),
    unchanged: z.number(),
    rejected: z.number(),
    skipped: z.number(),
    rejectedRows: z.array(rejectedRowSchema),
    durationMs: z.number(),
  })
  .openapi("ImportSummary");

/** Largest upload: Workers accept request bodies up to 100 MB. */
export const maxImportBytes = 100 * 1024 * 1024;

export function registerCreateImport(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/imports",
      tags: ["imports"],
      summary: "Import a file or pasted text into the tenant's private indicators",
      description:
        "Send the file as the raw body (streamed: any size up to 100 MB) or as `multipart/form-data` with a `file` field. " +
        "Known layouts (abuse.ch CSVs, STIX 2.1, MISP events, KEV…) use their parser; anything else, including pasted " +
        "free text, goes through IOC extraction. Answers a summary with the rejected rows' line numbers.",
      request: {
        query: z.object({
          format: z.enum(importFormats).default("auto"),
          feed: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .openapi({ description: "Private feed to record the import under" }),
        }),
      },
      responses: {
        200: { description: "Imported", content: { "application/json": { schema: importSummarySchema } } },
        422: { description: "The upload is not a readable feed (HTML page, binary data…)" },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const ctx = serviceContext(c);
      const { format, feed } = c.req.valid("query");
      const length = Number(c.req.header("content-length") ?? "0");
      if (length > maxImportBytes) throw new AppError("PAYLOAD_TOO_LARGE", "Imports are limited to 100 MB");
      let body: ReadableStream<Uint8Array> | null = c.req.raw.body;
      if ((c.req.header("content-type") ?? "").startsWith("multipart/form-data")) {
        const file = (await c.req.formData()).get("file");
        if (!(file instanceof File)) throw new AppError("VALIDATION_FAILED", "The form needs a `file` field");
        body = file.stream();
      }
      if (!body) throw new AppError("VALIDATION_FAILED", "The import body is empty");
      const input = { body, format, feedName: feed };
      const summary = await withIngestDatabase(c, (ingestDb) =>
        importIndicators({
          ctx,
          input,
          deps: { ingestDb, notifyTenants: (batches) => sendTenantChanges(c.env, batches) },
        }),
      );
      return c.json(summary, 200);
    },
  );
}
