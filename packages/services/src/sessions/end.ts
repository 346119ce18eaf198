import { withTenantTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import type { AnonymousContext } from "../context.ts";

/**
 * Ends a session (sign-out): deletes its row in the session's own tenant and records `session.ended`.
 * The caller has authenticated the session; ending an unknown one is a no-op.
 */
export async function endSession({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: { sessionId: string; tenantId: string; userId: string };
}): Promise<void> {
  await withTenantTx({ db: ctx.db, tenantId: input.tenantId }, async (tx) => {
    const deleted = await tx.execute(sql`delete from sessions where id = ${input.sessionId} returning id`);
    if (deleted.rows.length === 0) return;
    await appendAudit(tx, {
      tenantId: input.tenantId,
      action: "session.ended",
      userId: input.userId,
      targetKind: "user",
      targetId: input.userId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
  });
}
