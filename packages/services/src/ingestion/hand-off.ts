import type { Database } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { searchIndexedAtApply } from "../search/index-on-change.ts";
import { afterIndicatorsChanged } from "./after-indicators-changed.ts";
import type { AppliedInMemory } from "./apply-chunks.ts";

/** A batch of changed indicator ids for one tenant's coordinator; `batchKey` makes it idempotent there. */
export interface TenantChangeBatch {
  tenantId: string;
  batchKey: string;
  indicatorIds: string[];
  scope: "global" | "private";
}

export interface HandOffDependencies {
  ingestDb: Database;
  appDb: Database;
  /** Delivers batches to tenants' Durable Objects (in the Worker: `tenant-changes` queue messages). */
  notifyTenants: (batches: TenantChangeBatch[]) => Promise<void>;
}

// A queue message holds at most 128 KB: 3,000 ids of about 33 serialized bytes each (~100 KB) leave room for
// the envelope (5,000, the coordinator schema's cap, would not fit).
const maxIdsPerBatch = 3_000;

function split(batch: TenantChangeBatch): TenantChangeBatch[] {
  const out: TenantChangeBatch[] = [];
  for (let start = 0; start < batch.indicatorIds.length; start += maxIdsPerBatch) {
    out.push({
      ...batch,
      batchKey: start === 0 ? batch.batchKey : `${batch.batchKey}:${start}`,
      indicatorIds: batch.indicatorIds.slice(start, start + maxIdsPerBatch),
    });
  }
  return out;
}

/**
 * Hands what applied chunks changed to the tenants that need it and to the after-change hook, then marks
 * the chunks handed off. Global changes go only to tenants that hold state about those indicators and
 * subscribe to the feed (`tf_tenant_changes_for_runs`, one query per call), so the cost of a global feed
 * follows the overlays it touches, not the number of tenants. Private changes go to their own tenant.
 * Re-running it after a failure repeats only what was not marked (receivers are idempotent by batch key).
 */
export interface HandOffResult {
  /** Chunks handed off by this call. */
  chunks: number;
  /** Time spent in the after-change listeners (search indexing, scoring), for the consumer's log. */
  listenersMs: number;
  /** The same by listener name (they run at the same time, so these overlap). */
  listenerMs: Record<string, number>;
}

export async function handOffChanges(
  deps: HandOffDependencies,
  runIds: readonly string[],
  applied?: AppliedInMemory,
): Promise<HandOffResult> {
  if (runIds.length === 0) return { chunks: 0, listenersMs: 0, listenerMs: {} };
  const runParam = sql.param([...runIds]);
  const known = applied?.touchedByChunk ?? new Map<string, string[]>();
  // The touched ids travel as one comma-joined text per chunk, split here: the driver's text[] parser reads
  // an array character by character in JavaScript, and a delivery hands off ~29,000 ids (ids hold no comma).
  // Chunks this invocation applied are not read back: their ids are the ones it just wrote to the ledger.
  const { rows: stored } = await deps.ingestDb.execute<{
    run_id: string;
    chunk: number;
    tenant_id: string | null;
    feed_id: string;
    touched: string | null;
  }>(sql`
    select c.run_id, c.chunk, c.tenant_id, r.feed_id,
      case when c.run_id || ':' || c.chunk = any (${sql.param([...known.keys()])}::text[]) then null
           else array_to_string(c.touched_ids, ',') end as touched
    from ingest_chunks c join feed_runs r on r.id = c.run_id
    where c.run_id = any (${runParam}::text[]) and not c.handed_off
    order by c.run_id, c.chunk`);
  const rows = stored.map(({ touched, ...row }) => ({
    ...row,
    touched_ids:
      touched === null
        ? (known.get(`${row.run_id}:${row.chunk}`) ?? [])
        : touched === ""
          ? []
          : touched.split(","),
  }));
  if (rows.length === 0) return { chunks: 0, listenersMs: 0, listenerMs: {} };
  const batches: TenantChangeBatch[] = [];
  if (rows.some((row) => row.tenant_id === null && row.touched_ids.length > 0)) {
    const { rows: routed } = await deps.ingestDb.execute<{
      run_id: string;
      chunk: number;
      tenant_id: string;
      indicator_ids: string[];
    }>(
      sql`select run_id, chunk, tenant_id, indicator_ids from tf_tenant_changes_for_runs(${runParam}::text[])`,
    );
    for (const target of routed) {
      batches.push(
        ...split({
          tenantId: target.tenant_id,
          batchKey: `${target.run_id}:${target.chunk}`,
          indicatorIds: target.indicator_ids,
          scope: "global",
        }),
      );
    }
  }
  for (const row of rows) {
    if (row.tenant_id !== null && row.touched_ids.length > 0) {
      batches.push(
        ...split({
          tenantId: row.tenant_id,
          batchKey: `${row.run_id}:${row.chunk}`,
          indicatorIds: row.touched_ids,
          scope: "private",
        }),
      );
    }
  }
  if (batches.length > 0) await deps.notifyTenants(batches);
  // One hook call per feed (and tenant) for all chunks of this delivery: later stages (search indexing,
  // scoring) then work in a few large statements instead of one per chunk.
  const context = { ingestDb: deps.ingestDb, appDb: deps.appDb };
  const groups = new Map<
    string,
    { feedId: string; tenantId: string | null; ids: string[]; mayBeStale: string[] }
  >();
  const staleByChunk = applied?.mayBeStaleByChunk;
  for (const row of rows) {
    const key = `${row.feed_id}\u0000${row.tenant_id ?? ""}`;
    const group = groups.get(key) ?? {
      feedId: row.feed_id,
      tenantId: row.tenant_id,
      ids: [],
      mayBeStale: [],
    };
    group.ids.push(...row.touched_ids);
    // A chunk read back from the ledger was applied elsewhere: every id of it may be stale.
    group.mayBeStale.push(...(staleByChunk?.get(`${row.run_id}:${row.chunk}`) ?? row.touched_ids));
    groups.set(key, group);
  }
  const listenersStarted = Date.now();
  const listenerMs: Record<string, number> = {};
  for (const group of groups.values()) {
    const durations = await afterIndicatorsChanged(
      group.tenantId === null
        ? {
            scope: "global",
            feedId: group.feedId,
            indicatorIds: group.ids,
            // applyFeedChunks wrote their search documents with them (same rule, same isolate).
            searchIndexed: searchIndexedAtApply(),
            ...(applied === undefined ? {} : { mayBeStale: group.mayBeStale }),
          }
        : { scope: "private", tenantId: group.tenantId, feedId: group.feedId, indicatorIds: group.ids },
      context,
    );
    for (const [name, ms] of Object.entries(durations)) listenerMs[name] = (listenerMs[name] ?? 0) + ms;
  }
  const listenersMs = Date.now() - listenersStarted;
  await deps.ingestDb.execute(sql`
    update ingest_chunks c set handed_off = true, touched_ids = '{}'
    from unnest(${sql.param(rows.map((row) => row.run_id))}::text[], ${sql.param(rows.map((row) => row.chunk))}::int[])
      as u(run_id, chunk)
    where c.run_id = u.run_id and c.chunk = u.chunk`);
  return { chunks: rows.length, listenersMs, listenerMs };
}
