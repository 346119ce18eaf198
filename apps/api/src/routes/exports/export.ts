import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { type CsvColumn, csvColumns, isCsvColumn } from "@threatfusion/exports";
import { exportFormats, exportIndicators } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { apiErrors, filterFromQuery, indicatorFilterQuery } from "../indicators/schemas.ts";
import { streamingContext } from "./streaming.ts";

export function registerExportIndicators(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/exports/{format}",
      tags: ["exports"],
      summary: "Stream the tenant's active indicators as STIX 2.1, MISP event, CSV, ECS NDJSON or CEF",
      description:
        "Streamed, never built whole in memory, with no row cap. False positives and allowlisted indicators are left out unless `includeSuppressed=true` (each then carries its reason). The same filters as the list.",
      request: {
        params: z.object({ format: z.enum(exportFormats) }),
        query: indicatorFilterQuery.extend({
          columns: z
            .string()
            .optional()
            .openapi({ description: `CSV columns, comma-separated: ${Object.keys(csvColumns).join(", ")}` }),
          observables: z
            .enum(["true", "false"])
            .optional()
            .openapi({ description: "STIX: also SCOs and based-on relationships (default true)" }),
        }),
      },
      responses: {
        200: {
          description: "The export, streamed",
          content: {
            "application/stix+json;version=2.1": { schema: z.object({}).passthrough() },
            "text/csv": { schema: z.string() },
            "application/x-ndjson": { schema: z.string() },
          },
        },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { format } = c.req.valid("param");
      const query = c.req.valid("query");
      const filter = filterFromQuery(query);
      let columns: CsvColumn[] | undefined;
      if (query.columns !== undefined) {
        const names = query.columns.split(",").map((name) => name.trim());
        const unknown = names.filter((name) => !isCsvColumn(name));
        if (unknown.length > 0 || names.length === 0) {
          throw new AppError("VALIDATION_FAILED", `columns: unknown ${unknown.join(", ")}`);
        }
        columns = names.filter(isCsvColumn);
      }
      const { ctx, respond, close } = streamingContext(c);
      try {
        const result = await exportIndicators({
          ctx,
          input: {
            format,
            filter: { ...filter, includeSuppressed: undefined },
            includeSuppressed: filter.includeSuppressed === true,
            columns,
            observables: query.observables !== "false",
          },
        });
        return respond(result.body, {
          status: 200,
          headers: {
            "content-type": result.contentType,
            "content-disposition": `attachment; filename="${result.filename}"`,
            "cache-control": "private, no-store",
          },
        });
      } catch (error) {
        await close();
        throw error;
      }
    },
  );
}
