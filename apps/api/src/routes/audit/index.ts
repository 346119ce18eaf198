import { createRoute, z } from "@hono/zod-openapi";
import { exportAudit, listAudit, listAuditInput, verifyAudit } from "@threatfusion/services";
import type { App } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";
import { errorResponses } from "../auth/schemas.ts";
import { tenantIdParams } from "../tenants/schemas.ts";

const auditEntrySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    seq: z.number(),
    action: z.string(),
    actorUserId: z.string().nullable(),
    actorTokenId: z.string().nullable(),
    targetKind: z.string().nullable(),
    targetId: z.string().nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    previousHash: z.string(),
    hash: z.string(),
  })
  .openapi("AuditEntry");

const verificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number(),
    headHash: z.string().optional(),
    brokenAtSeq: z.number().nullable().optional(),
    reason: z.string().optional(),
  })
  .openapi("AuditVerification");

/** The hash-chained audit log of a tenant: read, export as JSON lines, verify. */
export function registerAuditRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}/audit",
      tags: ["audit"],
      summary: "Audit entries, newest first",
      request: { params: tenantIdParams, query: listAuditInput },
      responses: {
        200: {
          description: "Entries",
          content: { "application/json": { schema: z.array(auditEntrySchema) } },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await listAudit({
          ctx: serviceContext(c),
          input: { ...c.req.valid("query"), ...c.req.valid("param") },
        }),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}/audit/export",
      tags: ["audit"],
      summary: "The whole audit log as JSON lines, oldest first, with hashes",
      request: { params: tenantIdParams },
      responses: {
        200: { description: "JSON lines (application/x-ndjson), one entry per line" },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const body = await exportAudit({ ctx: serviceContext(c), input: c.req.valid("param") });
      return c.body(body, 200, {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="audit-${c.req.valid("param").tenantId}.jsonl"`,
      });
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tenants/{tenantId}/audit/verification",
      tags: ["audit"],
      summary: "Recompute the hash chain and report whether the log is intact",
      request: { params: tenantIdParams },
      responses: {
        200: { description: "Verdict", content: { "application/json": { schema: verificationSchema } } },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await verifyAudit({ ctx: serviceContext(c), input: c.req.valid("param") }), 200),
  );
}
