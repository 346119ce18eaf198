import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

/** One indicator by id (`ind_…`, `pin_…`) or by value (defanged input accepted; type optional). */
export async function getIndicator({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id?: string | undefined; value?: string | undefined; type?: string | undefined };
}): Promise<IndicatorView> {
  authorizeAction(ctx, "indicator.read");
  const row = await inTenantTx(ctx, (tx) => findIndicator(tx, ctx.tenant.tenantId, input));
  return toIndicatorView(row);
}
