import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { maxSightingsPerRequest, recordSightings } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { apiErrors, indicatorTypeSchema } from "../indicators/schemas.ts";

const timestamp = z.iso.datetime({ offset: true });

const simpleSightingSchema = z
  .object({
    value: z.string().min(1).max(4096).openapi({ example: "evil[.]example.com" }),
    type: indicatorTypeSchema.optional(),
    seenAt: timestamp,
    count: z.number().int().min(1).max(1_000_000).optional(),
    sensor: z.string().max(200).optional().openapi({ description: "Where: the tool that saw it" }),
    asset: z.string().max(200).optional().openapi({ description: "Where: the host or address involved" }),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .openapi("SimpleSighting");

const stixSightingSchema = z
  .object({
    type: z.literal("sighting"),
    spec_version: z.literal("2.1").optional(),
    id: z.string().max(200).optional(),
    created: z.string().optional(),
    modified: z.string().optional(),
    sighting_of_ref: z.string().regex(/^(indicator|vulnerability)--[0-9a-f-]{36}$/),
    first_seen: timestamp.optional(),
    last_seen: timestamp.optional(),
    count: z.number().int().min(1).max(999_999_999).optional(),
    where_sighted_refs: z.array(z.string().max(200)).max(10).optional(),
    description: z.string().max(10_000).optional(),
    x_threatfusion_value: z.string().max(4096).optional(),
  })
  .openapi("StixSighting");

const sightingsRequestSchema = z
  .object({
    sightings: z
      .array(z.union([stixSightingSchema, simpleSightingSchema]))
      .min(1)
      .max(maxSightingsPerRequest)
      .optional(),
    /** A STIX bundle whose `sighting` objects are recorded (other objects are ignored). */
    type: z.literal("bundle").optional(),
    objects: z.array(z.record(z.string(), z.unknown())).max(maxSightingsPerRequest).optional(),
  })
  .openapi("SightingsRequest");

export function registerCreateSightings(app: App): void {
  app.use("/api/v1/sightings", bodyLimitOf(2 * 1024 * 1024));
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sightings",
      tags: ["sightings"],
      summary: "Record sightings from the tenant's SIEM/EDR (simple JSON or STIX 2.1 Sightings / bundle)",
      request: {
        body: { required: true, content: { "application/json": { schema: sightingsRequestSchema } } },
      },
      responses: {
        200: {
          description: "What was recorded and what matched no indicator of this tenant",
          content: {
            "application/json": {
              schema: z
                .object({
                  recorded: z.array(
                    z.object({ index: z.number().int(), sightingId: z.string(), indicatorId: z.string() }),
                  ),
                  unmatched: z.array(z.object({ index: z.number().int(), reason: z.string() })),
                })
                .openapi("SightingsResult"),
            },
          },
        },
        ...apiErrors(400, 401, 403, 413, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const fromBundle = (body.objects ?? []).flatMap((object) => {
        const parsed = stixSightingSchema.safeParse(object);
        return object.type === "sighting" && parsed.success ? [parsed.data] : [];
      });
      const sightings = [...(body.sightings ?? []), ...fromBundle];
      if (sightings.length === 0) {
        throw new AppError(
          "VALIDATION_FAILED",
          "sightings: give at least one sighting (or a bundle with sighting objects)",
        );
      }
      return c.json(await recordSightings({ ctx: serviceContext(c), input: { sightings } }), 200);
    },
  );
}
