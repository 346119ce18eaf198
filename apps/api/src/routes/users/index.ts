import { createRoute, z } from "@hono/zod-openapi";
import { changeRoleInput, changeUserRole, listUsers, removeUser } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses, roleSchema } from "../auth/schemas.ts";
import { idParam, tenantIdParams } from "../tenants/schemas.ts";

const memberParams = tenantIdParams.extend({
  userId: idParam("usr").openapi({ param: { name: "userId", in: "path" } }),
});

const memberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    displayName: z.string().nullable(),
    role: z.string(),
    mfaEnabled: z.boolean(),
    disabled: z.boolean(),
  })
  .openapi("Member");

/** Members of a tenant: list, change role, remove. */
export function registerUserRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}/users",
      tags: ["users"],
      summary: "A tenant's members",
      request: { params: tenantIdParams },
      responses: {
        200: { description: "Members", content: { "application/json": { schema: z.array(memberSchema) } } },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await listUsers({ ctx: serviceContext(c), input: c.req.valid("param") }), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/tenants/{tenantId}/users/{userId}",
      tags: ["users"],
      summary: "Change a member's role (only roles you may grant)",
      request: {
        params: memberParams,
        body: { content: { "application/json": { schema: changeRoleInput } }, required: true },
      },
      responses: {
        200: {
          description: "Changed",
          content: { "application/json": { schema: z.object({ userId: z.string(), role: roleSchema }) } },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await changeUserRole({
          ctx: serviceContext(c),
          input: { ...c.req.valid("json"), ...c.req.valid("param") },
        }),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/tenants/{tenantId}/users/{userId}",
      tags: ["users"],
      summary: "Remove a member from the tenant",
      request: { params: memberParams },
      responses: { 204: { description: "Removed" }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await removeUser({ ctx: serviceContext(c), input: c.req.valid("param") });
      return c.body(null, 204);
    },
  );
}
