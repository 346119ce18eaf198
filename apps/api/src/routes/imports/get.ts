import { createRoute } from "@hono/zod-openapi";
import { getImport } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../feeds/schemas.ts";
import { importProgressSchema, importRunIdParamSchema } from "./schemas.ts";

export function registerGetImport(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/imports/{runId}",
      tags: ["imports"],
      summary: "Progress and summary of an import",
      description:
        "Bytes and lines parsed so far, new / updated / unchanged / rejected counts (summed from the chunks applied " +
        "so far while it runs), the first rejected rows with line numbers and reasons, and the outcome once finished.",
      request: { params: importRunIdParamSchema },
      responses: {
        200: { description: "The import", content: { "application/json": { schema: importProgressSchema } } },
        ...apiErrors(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const progress = await getImport({ ctx: serviceContext(c), input: c.req.valid("param") });
      return c.json(progress, 200);
    },
  );
}
