import { createRoute, z } from "@hono/zod-openapi";
import { createToken, createTokenInput, listTokens, revokeToken } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses, tokenScopeSchema } from "../auth/schemas.ts";
import { idParam } from "../tenants/schemas.ts";

const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    hint: z.string(),
    userId: z.string().nullable(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    lastUsedIp: z.string().nullable(),
    ipAllowlist: z.array(z.string()),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiToken");

const createdTokenSchema = z
  .object({
    id: z.string(),
    token: z.string().openapi({ description: "Shown once; store it now" }),
    name: z.string(),
    hint: z.string(),
    scopes: z.array(tokenScopeSchema),
    expiresAt: z.string().nullable(),
    ipAllowlist: z.array(z.string()),
  })
  .openapi("ApiTokenCreated");

/** API tokens of the acting tenant. */
export function registerTokenRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tokens",
      tags: ["tokens"],
      summary: "The acting tenant's API tokens (admins: all; others: their own)",
      responses: {
        200: { description: "Tokens", content: { "application/json": { schema: z.array(tokenSchema) } } },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json(await listTokens({ ctx: serviceContext(c) }), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/tokens",
      tags: ["tokens"],
      summary: "Create a scoped, expiring, optionally IP-pinned API token (shown once)",
      request: { body: { content: { "application/json": { schema: createTokenInput } }, required: true } },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: createdTokenSchema } } },
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await createToken({ ctx: serviceContext(c), input: c.req.valid("json") }), 201),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/tokens/{tokenId}",
      tags: ["tokens"],
      summary: "Revoke an API token (effective immediately)",
      request: {
        params: z.object({ tokenId: idParam("tok").openapi({ param: { name: "tokenId", in: "path" } }) }),
      },
      responses: { 204: { description: "Revoked" }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await revokeToken({ ctx: serviceContext(c), input: c.req.valid("param") });
      return c.body(null, 204);
    },
  );
}
