import { AppError } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { requestCollection } from "../ingestion/runs.ts";
import { type CatalogSyncResult, syncFeedCatalog } from "./sync-catalog.ts";

/**
 * Platform operations on the global catalog. The app role cannot write global rows (row-level security), so
 * these authorize the actor (platform admin: `mssp.manage`) and then write through the ingestion role.
 */

export interface GlobalFeedDependencies {
  /** Ingestion-role database. */
  ingestDb: Database;
}

/** Enables or disables a global feed for the whole platform (tenants then subscribe). */
export async function setGlobalFeedEnabled({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { feedId: string; enabled: boolean };
  deps: GlobalFeedDependencies;
}): Promise<{ feedId: string; enabled: boolean }> {
  authorizeAction(ctx, "mssp.manage");
  const { rows } = await deps.ingestDb.execute<{ id: string }>(sql`
    update feeds set enabled = ${input.enabled}, updated_at = now()
    where id = ${input.feedId} and tenant_id is null and url is not null returning id`);
  if (rows.length === 0) throw new AppError("NOT_FOUND", "No such global feed (templates cannot be enabled)");
  if (input.enabled) await requestCollection(deps.ingestDb, input.feedId, ctx.now());
  await inTenantTx(ctx, (tx) =>
    appendAudit(tx, {
      tenantId: ctx.tenant.tenantId,
      action: input.enabled ? "feed.enabled" : "feed.disabled",
      actor: ctx.actor,
      targetKind: "feed",
      targetId: input.feedId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    }),
  );
  return input;
}

/** Re-syncs the built-in catalog (what `pnpm dev` and the first cron tick of an isolate do). */
export async function syncGlobalFeedCatalog({
  ctx,
  deps,
}: {
  ctx: ServiceContext;
  deps: GlobalFeedDependencies;
}): Promise<CatalogSyncResult> {
  authorizeAction(ctx, "mssp.manage");
  return syncFeedCatalog({ db: deps.ingestDb });
}

/** "Collect now": makes a feed the tenant can see due at the next tick (unless a run is in progress). */
export async function requestFeedCollection({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { feedId: string };
  deps: GlobalFeedDependencies;
}): Promise<{ feedId: string; queued: boolean }> {
  authorizeAction(ctx, "feed.manage");
  const visible = await inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ tenant_id: string | null }>(
      sql`select tenant_id from feeds where id = ${input.feedId}`,
    );
    return rows[0];
  });
  if (!visible) throw new AppError("NOT_FOUND", "No such feed");
  // A global feed is shared by every tenant: only the platform may pull it forward.
  if (visible.tenant_id === null) authorizeAction(ctx, "mssp.manage");
  return { feedId: input.feedId, queued: await requestCollection(deps.ingestDb, input.feedId, ctx.now()) };
}

export interface DeadLetterSummary {
  id: string;
  messageId: string;
  queue: string;
  kind: string | null;
  feedId: string | null;
  runId: string | null;
  attempts: number;
  createdAt: string;
}

/** Queue messages that kept failing, newest first (platform operator only; row-level security agrees). */
export async function listDeadLetters({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { limit?: number };
}): Promise<DeadLetterSummary[]> {
  authorizeAction(ctx, "mssp.manage");
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{
      id: string;
      message_id: string;
      queue: string;
      kind: string | null;
      feed_id: string | null;
      run_id: string | null;
      attempts: number;
      created_at: string;
    }>(sql`
      select id, message_id, queue, kind, feed_id, run_id, attempts, created_at::text
      from ingest_dead_letters order by created_at desc, id desc limit ${limit}`);
    return rows.map((row) => ({
      id: row.id,
      messageId: row.message_id,
      queue: row.queue,
      kind: row.kind,
      feedId: row.feed_id,
      runId: row.run_id,
      attempts: row.attempts,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  });
}
