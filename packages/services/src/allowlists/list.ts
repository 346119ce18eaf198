import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { type AllowlistEntryRow, type AllowlistEntryView, toAllowlistEntryView } from "./entries.ts";

/** The acting tenant's allowlist, newest first (readable by anyone who reads the tenant's indicators). */
export async function listAllowlistEntries({ ctx }: { ctx: ServiceContext }): Promise<AllowlistEntryView[]> {
  authorizeAction(ctx, "indicator.read");
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<AllowlistEntryRow>(sql`
      select id, value, entry_type, applies_to, note, created_at from allowlist_entries
      where tenant_id = ${ctx.tenant.tenantId} order by created_at desc, id desc limit 10000`);
    return rows.map(toAllowlistEntryView);
  });
}
