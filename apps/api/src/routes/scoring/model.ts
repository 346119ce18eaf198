import { createRoute, z } from "@hono/zod-openapi";
import { getScoringModel, updateScoringModel } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { apiErrors } from "../indicators/schemas.ts";
import { scoringModelSchema } from "./schemas.ts";

type ModelView = Awaited<ReturnType<typeof getScoringModel>>;

/** The model is a typed object; the wire schema describes it as a JSON object (documented in docs/scoring.md). */
function toWire(view: ModelView): z.infer<typeof scoringModelSchema> {
  return {
    ...view,
    model: { ...view.model },
    defaults: { ...view.defaults },
  };
}

export function registerScoringModel(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/scoring/model",
      tags: ["scoring"],
      summary: "The scoring model that applies here: effective values, defaults, and the stored edit",
      responses: {
        200: { description: "The model", content: { "application/json": { schema: scoringModelSchema } } },
        ...apiErrors(401, 403, 429),
      },
    }),
    async (c) => c.json(toWire(await getScoringModel({ ctx: serviceContext(c) })), 200),
  );
  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/scoring/model",
      tags: ["scoring"],
      summary: "Tune the model (MSSP admins: source reliabilities A-F, per-type lifetimes, weights)",
      description:
        "Replaces the stored partial edit. Validated as a whole; VALIDATION_FAILED lists every problem with its path. " +
        "An MSSP's edit re-scores its clients' indicators on the next scheduler tick.",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  settings: z.record(z.string(), z.unknown()).openapi({
                    example: {
                      sourceReliability: { src_example: "A" },
                      types: { ipv4: { lifetimeDays: 14 } },
                    },
                  }),
                  expectedVersion: z.number().int().min(0).optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "The model after the edit",
          content: { "application/json": { schema: scoringModelSchema } },
        },
        ...apiErrors(400, 401, 403, 429),
      },
    }),
    async (c) =>
      c.json(toWire(await updateScoringModel({ ctx: serviceContext(c), input: c.req.valid("json") })), 200),
  );
}
