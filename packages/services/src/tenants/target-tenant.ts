import { type Action, AppError, canAccessTenant } from "@threatfusion/core";
import type { DbTransaction } from "@threatfusion/db";
import { withTenantTx } from "@threatfusion/db";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, type ServiceContext } from "../context.ts";
import { tenantTargetOf } from "./target.ts";
import { findTenant, type TenantView } from "./view.ts";

/**
 * Runs `fn` on the tenant `tenantId` as the actor may: the tenant within reach (NOT_FOUND otherwise, also for
 * ids that do not exist, checked first), then the actor's permission for `action` (FORBIDDEN), inside a
 * transaction OF that tenant, so the
 * change and its audit row land in the tenant's own log.
 */
export async function withManagedTenant<T>(
  ctx: ServiceContext,
  tenantId: string,
  action: Action,
  fn: (
    tx: DbTransaction,
    tenant: TenantView,
    audit: (event: Parameters<typeof recordAudit>[2]) => Promise<unknown>,
  ) => Promise<T>,
): Promise<T> {
  const notFound = new AppError("NOT_FOUND", "No such tenant");
  if (!canAccessTenant(ctx.actor, ctx.tenant)) throw notFound;
  // Visibility through the acting tenant's RLS first: a client sees no sibling, an MSSP only its clients.
  const visible = await withTenantTx({ db: ctx.db, tenantId: ctx.tenant.tenantId }, (tx) =>
    findTenant(tx, tenantId),
  );
  if (!visible || (visible.id !== ctx.tenant.tenantId && visible.parentId !== ctx.tenant.tenantId))
    throw notFound;
  if (!canAccessTenant(ctx.actor, tenantTargetOf(visible))) throw notFound;
  // Only now the permission: a foreign id answers 404 whatever the actor may do, an own one 403 or success.
  authorizeAction(ctx, action);
  const scoped: ServiceContext = { ...ctx, tenant: tenantTargetOf(visible), tx: undefined };
  return withTenantTx({ db: ctx.db, tenantId: visible.id }, async (tx) => {
    const tenant = await findTenant(tx, visible.id);
    if (!tenant) throw notFound;
    return fn(tx, tenant, (event) => recordAudit(scoped, tx, event));
  });
}
