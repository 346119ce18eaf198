import type { JsonObject } from "@threatfusion/auth";
import type { DbTransaction } from "@threatfusion/db";
import type { ServiceContext } from "../context.ts";
import { appendAudit } from "./append.ts";

/**
 * Appends an audit event for the acting actor to the log of `tenantId` (default: the acting tenant), inside
 * `tx`, which must be a transaction of that tenant.
 */
export function recordAudit(
  ctx: ServiceContext,
  tx: DbTransaction,
  event: { action: string; targetKind?: string; targetId?: string; details?: JsonObject; tenantId?: string },
): Promise<unknown> {
  return appendAudit(tx, {
    tenantId: event.tenantId ?? ctx.tenant.tenantId,
    action: event.action,
    actor: ctx.actor,
    targetKind: event.targetKind,
    targetId: event.targetId,
    details: event.details,
    requestId: ctx.requestId,
    ip: ctx.ip,
    at: ctx.now(),
  });
}
