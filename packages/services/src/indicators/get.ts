import { authorizeAction, type ServiceContext, tenantReadContext } from "../context.ts";
import { findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

/**
 * One indicator by id (`ind_…`, `pin_…`) or by value (defanged input accepted; type optional). A hot read of
 * one statement: one round trip (`readInTenant`), no session of its own.
 */
export async function getIndicator({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id?: string | undefined; value?: string | undefined; type?: string | undefined };
}): Promise<IndicatorView> {
  authorizeAction(ctx, "indicator.read");
  const row = await findIndicator(tenantReadContext(ctx), ctx.tenant.tenantId, input);
  return toIndicatorView(row);
}
