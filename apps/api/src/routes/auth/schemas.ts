import { z } from "@hono/zod-openapi";
import { roles, tokenScopes } from "@threatfusion/core";

/** The one error envelope, for the OpenAPI document. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      docs: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("ErrorEnvelope");

/** Standard error responses of an authenticated route. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 423 | 429)[]) {
  const descriptions: Record<number, string> = {
    400: "The input is not valid",
    401: "Not signed in, or the credentials are not valid",
    403: "Not allowed",
    404: "Not found (also for anything outside the caller's reach)",
    409: "Conflicts with existing data",
    410: "No longer available",
    423: "Locked after too many failed attempts",
    429: "Too many requests; see Retry-After",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? "Error",
        content: { "application/json": { schema: errorEnvelopeSchema } },
      },
    ]),
  );
}

export const roleSchema = z.enum(roles);
export const tokenScopeSchema = z.enum(tokenScopes);

export const actorSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("user"),
      userId: z.string(),
      role: roleSchema,
      tenantId: z.string(),
      msspId: z.string().nullable(),
    }),
    z.object({
      kind: z.literal("token"),
      tokenId: z.string(),
      tenantId: z.string(),
      scopes: z.array(tokenScopeSchema),
    }),
  ])
  .openapi("Actor");
