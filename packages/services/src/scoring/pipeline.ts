import { newId } from "@threatfusion/core";
import {
  type Database,
  type DbTransaction,
  textArrayLiteral,
  withIngestTx,
  withTenantTx,
} from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import type { ScoringModel } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { probeKeys } from "../warninglists/keys.ts";
import { rescoreCatalogRanges } from "./catalog-pass.ts";
import { type CatalogScoreStats, scoreCatalogIndicators } from "./catalog-score.ts";
import { loadGlobalModel } from "./model-store.ts";
import { type PrivateSuppressionStats, resuppressPrivateIndicators } from "./private-suppression.ts";
import { rescoreTenantIndicators, type TenantScoreStats } from "./tenant-score.ts";

/** The two roles the scoring stage works with: the catalog (tf_ingest) and tenant overlays (tf_app). */
export interface ScoringDatabases {
  ingestDb: Database;
  appDb: Database;
}

/** Rows per statement batch: one catalog read, one candidate lookup and one write per batch. */
export const scoringBatchSize = 2_000;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function addStats<T extends object>(into: T, more: T): T {
  for (const key of Object.keys(more) as (keyof T)[]) {
    const value = more[key];
    if (typeof value === "number") (into[key] as number) = (into[key] as number) + value;
    else if (Array.isArray(value)) (into[key] as unknown[]).push(...value);
  }
  return into;
}

function emptyCatalogStats(): CatalogScoreStats {
  return { examined: 0, changed: 0, membershipChanged: 0, changedIds: [] };
}

/**
 * Batches scored at once: each in its own ingest transaction on its own pooled connection, so reading and
 * writing one batch in Postgres overlaps with scoring another in the isolate (the Worker's pools hold 2).
 */
export const scoringParallelBatches = 2;

/** Scores catalog indicators globally, in batches, each batch in its own ingest transaction. */
export async function scoreCatalog(
  ingestDb: Database,
  indicatorIds: readonly string[],
  options: { now: number; model?: ScoringModel; parallel?: number },
): Promise<CatalogScoreStats> {
  const stats = emptyCatalogStats();
  const pending = batches([...new Set(indicatorIds)], scoringBatchSize);
  if (pending.length === 0) return stats;
  const model = options.model ?? (await withIngestTx({ db: ingestDb }, (tx) => loadGlobalModel(tx)));
  let next = 0;
  const worker = async () => {
    for (let batch = pending[next++]; batch !== undefined; batch = pending[next++]) {
      const current = batch;
      const result = await withIngestTx({ db: ingestDb }, (tx) =>
        scoreCatalogIndicators(tx, current, { now: options.now, model }),
      );
      addStats(stats, result);
    }
  };
  const workers = Math.max(1, Math.min(options.parallel ?? scoringParallelBatches, pending.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return stats;
}

/** Re-scores one tenant's overlay of these indicators in the tenant's own transaction. */
export async function rescoreTenant(
  appDb: Database,
  tenantId: string,
  indicatorIds: readonly string[],
  now: number,
): Promise<TenantScoreStats> {
  const stats: TenantScoreStats = { examined: 0, changed: 0, created: 0 };
  for (const batch of batches(indicatorIds, scoringBatchSize)) {
    const result = await withTenantTx({ db: appDb, tenantId }, async (tx) => {
      const msspId = await parentTenant(tx);
      return rescoreTenantIndicators(tx, { tenantId, msspId, indicatorIds: batch, now });
    });
    addStats(stats, result);
  }
  return stats;
}

async function parentTenant(tx: DbTransaction): Promise<string | null> {
  const { rows } = await tx.execute<{ parent: string | null }>(sql`select tf_parent_tenant() as parent`);
  return rows[0]?.parent ?? null;
}

/**
 * Of the catalog rows ingestion touched, those whose stored global score may be stale. A row the consumer
 * inserted carries its score from the upsert (`scored_at` = `updated_at` = that transaction's time) and is
 * skipped, unless an observation was written outside that transaction since (another source's chunk applied
 * beside it: corroboration). Rows ingestion changed (`updated_at` moved), or that were never scored, remain.
 */
export async function staleCatalogScores(
  ingestDb: Database,
  indicatorIds: readonly string[],
): Promise<string[]> {
  if (indicatorIds.length === 0) return [];
  return withIngestTx({ db: ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ id: string }>(sql`
      select i.id from indicators i
      where i.id = any(${textArrayLiteral([...indicatorIds])}::text[])
        and (i.scored_at is distinct from i.updated_at
          or exists (select 1 from observations o
                     where o.indicator_id = i.id and o.updated_at is distinct from i.scored_at))`);
    return rows.map((row) => row.id);
  });
}

/**
 * The scoring stage for catalog indicators that ingestion changed (plugged into `afterIndicatorsChanged`):
 * scores globally those whose score is stale (`staleCatalogScores`: new rows came scored), then re-scores the overlay of every tenant that holds state about them or whose
 * allowlist could match them (`tf_scoring_tenants`: tenant ids only). Idempotent, so at-least-once
 * delivery is harmless.
 */
export async function scoreChangedIndicators(
  dbs: ScoringDatabases,
  indicatorIds: readonly string[],
  now: number,
  mayBeStale: readonly string[] = indicatorIds,
): Promise<{ global: CatalogScoreStats; tenants: number }> {
  // Rows the apply inserted already scored cannot be stale: only the others (`mayBeStale`) are checked.
  const global = await scoreCatalog(dbs.ingestDb, await staleCatalogScores(dbs.ingestDb, mayBeStale), {
    now,
  });
  const tenants = await tenantsConcerned(dbs.ingestDb, indicatorIds, mayBeStale);
  for (const tenantId of tenants) await rescoreTenant(dbs.appDb, tenantId, indicatorIds, now);
  return { global, tenants: tenants.length };
}

/**
 * `notInsertedHere`: the ids less those the apply inserted already scored (`mayBeStale`). With no allowlist entry
 * anywhere a tenant is concerned only through an overlay row, which a row had none of when this delivery
 * inserted it: then only the others are sent (a delivery's ~29,000 new ids, twice, otherwise).
 */
async function tenantsConcerned(
  ingestDb: Database,
  indicatorIds: readonly string[],
  notInsertedHere: readonly string[],
): Promise<string[]> {
  if (indicatorIds.length === 0) return [];
  return withIngestTx({ db: ingestDb }, async (tx) => {
    const overlaysOnly = notInsertedHere.length < indicatorIds.length && !(await allowlistsPresent(tx));
    const sent = overlaysOnly ? notInsertedHere : indicatorIds;
    if (sent.length === 0) return [];
    const ids = textArrayLiteral([...sent]);
    const keys = overlaysOnly ? { matchKeys: [], nets: [] } : await allowlistProbeKeys(tx, ids);
    const { rows } = await tx.execute<{ tenant_id: string }>(sql`
      select tenant_id from tf_scoring_tenants(${ids}::text[],
        ${sql.param(keys.matchKeys)}::text[], ${sql.param(keys.nets)}::inet[])`);
    return rows.map((row) => row.tenant_id);
  });
}

async function allowlistsPresent(tx: DbTransaction): Promise<boolean> {
  const { rows } = await tx.execute<{ present: boolean }>(
    sql`select tf_scoring_allowlists_present() as present`,
  );
  return rows[0]?.present ?? true;
}

/**
 * The probe keys of these catalog rows for tenants' allowlists. With no allowlist entry anywhere no key can
 * match, so the rows are not read back at all (a global feed's whole delivery would otherwise travel back
 * through the driver). Otherwise (type, value) come back as one JSON text, parsed natively.
 */
async function allowlistProbeKeys(
  tx: DbTransaction,
  ids: string,
): Promise<{ matchKeys: string[]; nets: string[] }> {
  const { rows } = await tx.execute<{ refs: string | null }>(sql`
    select case when tf_scoring_allowlists_present() then
      (select json_agg(json_build_array(type, value::text))::text from indicators where id = any(${ids}::text[]))
    end as refs`);
  const refs = rows[0]?.refs ?? null;
  if (refs === null) return { matchKeys: [], nets: [] };
  return probeKeys((JSON.parse(refs) as [IndicatorType, string][]).map(([type, value]) => ({ type, value })));
}

/** Starts a full pass over the catalog (retroactive warninglists, an edited global model). */
export async function startScoringSweep(tx: DbTransaction, reason: string): Promise<string> {
  const id = newId("job");
  await tx.execute(sql`insert into scoring_sweeps (id, reason) values (${id}, ${reason})`);
  return id;
}

export interface DueRescoreStats {
  requests: CatalogScoreStats;
  due: CatalogScoreStats;
  sweep: (CatalogScoreStats & { id: string; finished: boolean }) | null;
  tenants: { tenants: number } & TenantScoreStats;
  /** Tenants' private indicators created or changed since their suppression was decided. */
  privateIndicators: { tenants: number } & PrivateSuppressionStats;
}

/**
 * The scheduled re-score (cron, every minute): (1) requested indicators (global feedback counts changed, or
 * inserted without a score: `score_requests`), (2) catalog rows whose decay reaction point has come, (3) one page of an open
 * sweep, (4) tenant overlays due (reaction point reached, or changed since scored). Each step is bounded by
 * `limit` rows, so a tick stays short; what is left is due again on the next tick. Writes only changed rows.
 */
export async function rescoreDue(
  dbs: ScoringDatabases,
  options: { now: number; limit?: number; sweepPage?: number },
): Promise<DueRescoreStats> {
  const limit = options.limit ?? 20_000;
  const now = options.now;
  const nowIso = new Date(now).toISOString();
  const model = await withIngestTx({ db: dbs.ingestDb }, (tx) => loadGlobalModel(tx));

  const requested = await withIngestTx({ db: dbs.ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ indicator_id: string }>(sql`
      delete from score_requests where indicator_id in (
        select indicator_id from score_requests order by requested_at limit ${limit} for update skip locked)
      returning indicator_id`);
    return rows.map((row) => row.indicator_id);
  });
  const requests = await scoreCatalog(dbs.ingestDb, requested, { now, model });

  const dueIds = await withIngestTx({ db: dbs.ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ id: string }>(sql`
      select id from indicators where score_next_reaction_at <= ${nowIso}::timestamptz
      order by score_next_reaction_at limit ${limit}`);
    return rows.map((row) => row.id);
  });
  const due = await scoreCatalog(dbs.ingestDb, dueIds, { now, model });

  const sweep = await sweepPage(dbs.ingestDb, { now, model, page: options.sweepPage ?? limit });

  // Tenants follow the catalog rows that changed (and the re-counted ones), plus their own due overlays.
  const followed = [...new Set([...requested, ...due.changedIds, ...(sweep?.changedIds ?? [])])];
  const tenantStats: DueRescoreStats["tenants"] = { tenants: 0, examined: 0, changed: 0, created: 0 };
  const concerned = await tenantsConcerned(dbs.ingestDb, followed, followed);
  const dueTenants = await withIngestTx({ db: dbs.ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ tenant_id: string }>(
      sql`select tenant_id from tf_scoring_due_tenants(${nowIso}::timestamptz)`,
    );
    return rows.map((row) => row.tenant_id);
  });
  for (const tenantId of new Set([...dueTenants, ...concerned])) {
    const ids = await withTenantTx({ db: dbs.appDb, tenantId }, async (tx) => {
      const { rows } = await tx.execute<{ indicator_id: string }>(sql`
        select indicator_id from tenant_indicators
        where tenant_id = ${tenantId}
          and (effective_next_reaction_at <= ${nowIso}::timestamptz or scored_at is distinct from updated_at)
        limit ${limit}`);
      return rows.map((row) => row.indicator_id);
    });
    const followedHere = concerned.includes(tenantId) ? followed : [];
    tenantStats.tenants++;
    addStats(
      tenantStats,
      await rescoreTenant(dbs.appDb, tenantId, [...new Set([...ids, ...followedHere])], now),
    );
  }
  const privateIndicators = await suppressDuePrivateIndicators(dbs, { now, limit });
  return { requests, due, sweep, tenants: tenantStats, privateIndicators };
}

/**
 * Private indicators arrive through the API, imports and private feeds; whichever path wrote them, the
 * scheduler decides their suppression (warninglists, reserved ranges, the owner's allowlist) within a tick,
 * in each owning tenant's transaction.
 */
async function suppressDuePrivateIndicators(
  dbs: ScoringDatabases,
  options: { now: number; limit: number },
): Promise<DueRescoreStats["privateIndicators"]> {
  const stats: DueRescoreStats["privateIndicators"] = {
    tenants: 0,
    examined: 0,
    changed: 0,
    membershipChanged: 0,
  };
  const tenants = await withIngestTx({ db: dbs.ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ tenant_id: string }>(
      sql`select tenant_id from tf_scoring_private_tenants()`,
    );
    return rows.map((row) => row.tenant_id);
  });
  for (const tenantId of tenants) {
    stats.tenants++;
    addStats(
      stats,
      await withTenantTx({ db: dbs.appDb, tenantId }, (tx) =>
        resuppressPrivateIndicators(tx, {
          tenantId,
          select: { due: true, limit: options.limit },
          now: options.now,
        }),
      ),
    );
  }
  return stats;
}

/**
 * Walks one page of the oldest open sweep; null when none is open. A page is read by id range
 * (`rescoreCatalogRanges`: one text value per range instead of a row per observation); rows scored before the
 * last warninglist change, which is what a list refresh's sweep is for, are matched on the id path inside it.
 */
export async function sweepPage(
  ingestDb: Database,
  options: { now: number; model: ScoringModel; page: number },
): Promise<(CatalogScoreStats & { id: string; finished: boolean }) | null> {
  const open = await withIngestTx({ db: ingestDb }, async (tx) => {
    const { rows } = await tx.execute<{ id: string; cursor: string }>(
      sql`select id, cursor from scoring_sweeps where finished_at is null order by started_at limit 1`,
    );
    return rows[0] ?? null;
  });
  if (open === null) return null;
  const pass = await rescoreCatalogRanges(ingestDb, {
    now: options.now,
    model: options.model,
    after: open.cursor,
    limit: options.page,
  });
  await withIngestTx({ db: ingestDb }, (tx) =>
    tx.execute(sql`
      update scoring_sweeps set cursor = ${pass.lastId}, examined = examined + ${pass.examined},
        changed = changed + ${pass.changed}, finished_at = ${pass.finished ? sql`now()` : sql`null`}
      where id = ${open.id}`),
  );
  const { lastId: _lastId, finished, matched: _matched, ...stats } = pass;
  return { ...stats, id: open.id, finished };
}
