import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { acceptImport, importFormats, maxImportBytes } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { importUploadStore } from "../../ingestion/imports.ts";
import type { QueueMessage } from "../../queue/messages.ts";
import { withIngestDatabase } from "../feeds/ingest-database.ts";
import { apiErrors } from "../feeds/schemas.ts";
import { acceptedImportSchema } from "./schemas.ts";

export function registerCreateImport(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/imports",
      tags: ["imports"],
      summary: "Upload a file or pasted text to import into the tenant's private indicators",
      description:
        "Send the file as the raw body (streamed: any size up to 100 MB) or as `multipart/form-data` with a `file` field. " +
        "The upload is checked as it arrives (size, binary data, HTML page, invalid UTF-8), stored, and answered with 202 " +
        "and the import's run id; a queue consumer then parses it (known layouts such as abuse.ch CSVs, STIX 2.1, MISP " +
        "events or KEV through their parser, anything else, including pasted free text, through IOC extraction) and " +
        "applies it like a feed. Poll `statusUrl` (`GET /api/v1/imports/{runId}`) for progress and the summary.",
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
        202: {
          description: "Stored and queued",
          content: { "application/json": { schema: acceptedImportSchema } },
        },
        413: { description: "Larger than 100 MB" },
        422: { description: "The upload is not a readable feed (HTML page, binary data, invalid UTF-8…)" },
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
      const accepted = await withIngestDatabase(c, (ingestDb) =>
        acceptImport({
          ctx,
          input,
          deps: { ingestDb, store: importUploadStore(c.env, { ingestDb, appDb: ctx.db }) },
        }),
      );
      const message: QueueMessage = { kind: "import-file", runId: accepted.runId };
      await c.env.COLLECT_QUEUE.send(message, { contentType: "json" });
      const statusUrl = `/api/v1/imports/${accepted.runId}`;
      c.header("location", statusUrl);
      return c.json({ ...accepted, statusUrl }, 202);
    },
  );
}
