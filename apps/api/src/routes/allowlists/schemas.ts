import { z } from "@hono/zod-openapi";
import { indicatorTypes } from "@threatfusion/ioc";

export const allowlistEntrySchema = z
  .object({
    id: z.string(),
    value: z.string().openapi({ example: "github.com" }),
    type: z.enum(["cidr", "hostname", "string", "substring"]),
    appliesTo: z.array(z.enum(indicatorTypes)).nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("AllowlistEntry");

export const createAllowlistEntrySchema = z
  .object({
    value: z.string().min(1).max(512).openapi({
      description:
        "A host name (covers its subdomains and URL hosts), an IP or CIDR range, an exact string, or a brand",
      example: "github.com",
    }),
    type: z.enum(["cidr", "hostname", "string", "substring"]).optional().openapi({
      description: "Detected when absent: address or range -> cidr, host name -> hostname, else string",
    }),
    appliesTo: z.array(z.enum(indicatorTypes)).min(1).max(20).optional(),
    note: z.string().max(500).optional(),
  })
  .strict()
  .openapi("CreateAllowlistEntry");
