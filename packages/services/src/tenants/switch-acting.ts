import { AppError, isMsspRole } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import type { ServiceContext } from "../context.ts";
import { resolveActingTenant } from "./resolve-acting.ts";

export const switchActingTenantInput = z.object({
  /** The client to act in; null returns to the MSSP's own console. */
  tenantId: z.string().trim().min(1).max(64).nullable(),
});

export interface ActingTenantView {
  id: string;
  name: string;
  kind: "platform" | "mssp" | "client";
  slug: string;
}

export interface SwitchedSession {
  /** The tenant the session now acts in (the client), or null when back in the MSSP's own tenant. */
  actingTenant: ActingTenantView | null;
  homeTenant: ActingTenantView;
}

function tenantView(row: { id: string; name: string; kind: string; slug: string }): ActingTenantView {
  const kind = row.kind === "platform" || row.kind === "mssp" ? row.kind : "client";
  return { id: row.id, name: row.name, kind, slug: row.slug };
}

/**
 * Switches an MSSP user's session into one of the MSSP's own clients (or back, with `tenantId: null`). The
 * acting tenant is stored on the session row, so every later request takes it from the authenticated
 * session, never from input. Reach is checked through the MSSP's row-level security (another MSSP's client
 * answers NOT_FOUND, like a tenant that does not exist). Audited in both logs: `session.switched_in` /
 * `session.switched_out` in the MSSP's, `session.mssp_entered` / `session.mssp_left` in the client's.
 */
export async function switchActingTenant({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof switchActingTenantInput> & { sessionId: string };
}): Promise<SwitchedSession> {
  const actor = ctx.actor;
  if (actor.kind !== "user" || !isMsspRole(actor.role)) {
    throw new AppError("FORBIDDEN", "Only MSSP staff switch into a client's workspace");
  }
  const homeTenantId = actor.tenantId;
  const homeTarget = { tenantId: homeTenantId, msspId: actor.msspId };
  const target =
    input.tenantId === null || input.tenantId === homeTenantId
      ? null
      : await resolveActingTenant({
          ctx,
          input: { actor, homeTenant: homeTarget, requestedTenantId: input.tenantId },
        });
  const now = ctx.now();
  const auditBase = { actor, requestId: ctx.requestId, ip: ctx.ip, at: now };

  // Read both tenants through the MSSP's own row-level security (it sees itself and its clients).
  const previousId = ctx.tenant.tenantId === homeTenantId ? null : ctx.tenant.tenantId;
  const rows = await withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const ids = [homeTenantId, ...(target ? [target.tenantId] : []), ...(previousId ? [previousId] : [])];
    const found = await tx.execute<{ id: string; name: string; kind: string; slug: string }>(
      sql`select id, name, kind, slug from tenants where id = any(${sql.param(ids)}::text[])`,
    );
    return found.rows;
  });
  const home = rows.find((row) => row.id === homeTenantId);
  if (home === undefined) throw new AppError("NOT_FOUND", "No such tenant");
  const entered = target ? rows.find((row) => row.id === target.tenantId) : undefined;
  if (target && (entered === undefined || entered.kind !== "client")) {
    throw new AppError("NOT_FOUND", "No such tenant");
  }

  // The client's log first: its own transaction (row-level security writes only the acting tenant's rows).
  const left = previousId && previousId !== entered?.id ? previousId : null;
  if (left !== null) {
    await withTenantTx({ db: ctx.db, tenantId: left }, (tx) =>
      appendAudit(tx, {
        ...auditBase,
        tenantId: left,
        action: "session.mssp_left",
        targetKind: "tenant",
        targetId: homeTenantId,
      }),
    );
  }
  if (entered !== undefined) {
    await withTenantTx({ db: ctx.db, tenantId: entered.id }, (tx) =>
      appendAudit(tx, {
        ...auditBase,
        tenantId: entered.id,
        action: "session.mssp_entered",
        targetKind: "tenant",
        targetId: homeTenantId,
        details: { mssp: home.name },
      }),
    );
  }
  await withTenantTx({ db: ctx.db, tenantId: homeTenantId }, async (tx) => {
    const updated = await tx.execute(
      sql`update sessions set acting_tenant_id = ${entered?.id ?? null}
          where id = ${input.sessionId} and user_id = ${actor.userId} returning id`,
    );
    if (updated.rows.length === 0) throw new AppError("UNAUTHORIZED", "The session has ended");
    await appendAudit(tx, {
      ...auditBase,
      tenantId: homeTenantId,
      action: entered ? "session.switched_in" : "session.switched_out",
      targetKind: "tenant",
      targetId: entered?.id ?? left ?? homeTenantId,
      details: entered ? { client: entered.name } : {},
    });
  });
  return { actingTenant: entered ? tenantView(entered) : null, homeTenant: tenantView(home) };
}
