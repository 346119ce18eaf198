import { AppError, can } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

/**
 * Revokes an API token of the acting tenant; effective on the token's next request. Your own personal
 * tokens with `token.revoke`, any of the tenant's with `token.manage`; anything else is NOT_FOUND.
 * Audited as `token.revoked`.
 */
export async function revokeToken({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tokenId: string };
}): Promise<void> {
  authorizeAction(ctx, "token.revoke");
  const all = can(ctx.actor, "token.manage");
  const self = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const selfToken = ctx.actor.kind === "token" ? ctx.actor.tokenId : null;
  await inTenantTx(ctx, async (tx) => {
    const result = await tx.execute(
      sql`update api_tokens set revoked_at = coalesce(revoked_at, ${ctx.now().toISOString()})
          where id = ${input.tokenId} and tenant_id = ${ctx.tenant.tenantId}
            and (${all} or user_id = ${self} or id = ${selfToken})
          returning id`,
    );
    if (result.rows.length === 0) throw new AppError("NOT_FOUND", "No such API token");
    await recordAudit(ctx, tx, { action: "token.revoked", targetKind: "api_token", targetId: input.tokenId });
  });
}
