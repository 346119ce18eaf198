import { type Database, withIngestTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { refreshWarninglists } from "./import.ts";

/** "Refresh the MISP warninglists": the cron enqueues it when the refresh is due; the consumer runs it. */
export const refreshWarninglistsMessageSchema = z.object({ kind: z.literal("refresh-warninglists") });
export type RefreshWarninglistsMessage = z.infer<typeof refreshWarninglistsMessageSchema>;

/**
 * Claims the warninglist refresh when it is due (as tf_ingest): true at most once per interval, whatever
 * the number of concurrent cron ticks, because the claim moves the due time forward in the same statement.
 */
export async function claimWarninglistRefresh({ db, now }: { db: Database; now: Date }): Promise<boolean> {
  return withIngestTx({ db }, async (tx) => {
    const { rows } = await tx.execute<{ singleton: boolean }>(sql`
      update warninglist_refresh
      set next_refresh_at = ${now.toISOString()}::timestamptz + make_interval(secs => interval_seconds),
        last_claimed_at = ${now.toISOString()}::timestamptz
      where singleton and next_refresh_at <= ${now.toISOString()}::timestamptz
      returning singleton`);
    return rows.length > 0;
  });
}

/**
 * The consumer's side: fetches every stored list from `baseUrl` (the MISP repository by default),
 * re-imports only changed ones (which starts the retroactive sweep) and records the outcome.
 */
export async function runWarninglistRefresh({
  db,
  baseUrl,
  fetcher,
}: {
  db: Database;
  baseUrl?: string | undefined;
  fetcher?: typeof fetch;
}): Promise<Awaited<ReturnType<typeof refreshWarninglists>>> {
  const result = await refreshWarninglists({
    db,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(fetcher === undefined ? {} : { fetcher }),
  });
  const summary = {
    imported: result.imported.length,
    unchanged: result.unchanged.length,
    rejected: result.rejected.map((item) => item.id),
    failed: result.failed,
    sweepId: result.sweepId,
  };
  await withIngestTx({ db }, (tx) =>
    tx.execute(sql`update warninglist_refresh set last_finished_at = now(),
      last_result = ${JSON.stringify(summary)}::jsonb where singleton`),
  );
  return result;
}
