import { z } from "@hono/zod-openapi";

/** An id of the given prefix (`newId` shape); anything else is a 400 before any lookup. */
export function idParam(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`), `a ${prefix}_… id`);
}

export const tenantIdParams = z.object({
  tenantId: idParam("tnt").openapi({
    param: { name: "tenantId", in: "path" },
    example: "tnt_01jd6m3v2c8k4q9x7t5r0b1n2p",
  }),
});

export const tenantSchema = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    kind: z.enum(["platform", "mssp", "client"]),
    name: z.string(),
    slug: z.string(),
    customDomain: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    suspendedAt: z.string().nullable(),
  })
  .openapi("Tenant");
