import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";

/**
 * The newest change anywhere in the tenant's view (catalog row, its overlay, a visible private row), in
 * microseconds as PostgreSQL stores it. Every read of the view is a function of the data up to this stamp,
 * so it makes a cheap strong validator (ETag) for lists and feeds: three index look-ups, no scan.
 */
export async function viewVersionStamp(tx: DbTransaction, tenantId: string): Promise<string> {
  const { rows } = await tx.execute<{ stamp: string | null }>(sql`
    select to_char(greatest(
      (select max(updated_at) from indicators),
      (select max(updated_at) from tenant_indicators where tenant_id = ${tenantId}),
      (select max(updated_at) from private_indicators where tenant_id = ${tenantId}),
      (select max(updated_at) from private_indicators where tenant_id = (select tf_parent_tenant()))
    ) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as stamp`);
  return rows[0]?.stamp ?? "1970-01-01T00:00:00.000000Z";
}

/**
 * The database clock minus a safety window, as a cursor position: rows committed later by transactions
 * that started before it carry an older timestamp, so `since` readers hand out this (not "now") as the
 * next cursor and read the window again next time (applying a change twice changes nothing).
 */
export async function safeCursorTime(tx: DbTransaction, windowSeconds = 60): Promise<string> {
  const { rows } = await tx.execute<{ at: string }>(sql`
    select to_char((clock_timestamp() - make_interval(secs => ${windowSeconds})) at time zone 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`);
  const at = rows[0]?.at;
  if (at === undefined) throw new Error("the database returned no time");
  return at;
}
