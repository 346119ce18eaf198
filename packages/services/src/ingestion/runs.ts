import { newId } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import { withIngestTx } from "@threatfusion/db";
import type { FeedFailureReason, ParseStats } from "@threatfusion/feeds";
import { nextFetchDelaySeconds } from "@threatfusion/feeds";
import { sql } from "drizzle-orm";

/**
 * The feed-run lifecycle, written by the ingestion role: claim due feeds (one run each), announce how many
 * chunks a run produced, finish it exactly once when all of them are applied, or fail it with a reason and
 * schedule the retry with backoff. The collector and the consumer call these; no tenant input reaches them.
 */

export interface ClaimedFeed {
  feedId: string;
  runId: string;
  tenantId: string | null;
}

export interface ClaimOptions {
  db: Database;
  now: Date;
  /** Most feeds claimed per tick. */
  limit?: number;
  /** How long a claim holds before the run counts as abandoned and the feed may be collected again. */
  leaseSeconds?: number;
  /** Only these feeds (tests, and an admin's "collect now"). */
  feedIds?: readonly string[];
}

const defaultLeaseSeconds = 15 * 60;

/**
 * Claims the feeds that are due (enabled, with a URL, past `next_fetch_at`, not claimed) and opens a run for
 * each. Claims whose lease ran out first fail their run as abandoned. Safe to call from overlapping ticks:
 * the claim is a conditional upsert, so a feed is claimed once.
 */
export async function claimDueFeeds(options: ClaimOptions): Promise<ClaimedFeed[]> {
  const { db, now } = options;
  const lease = options.leaseSeconds ?? defaultLeaseSeconds;
  await abandonClaimedRuns({
    db,
    now,
    onlyExpired: true,
    message: "the collector did not finish this run within its lease",
    ...(options.feedIds === undefined ? {} : { feedIds: options.feedIds }),
  });
  const { rows: due } = await db.execute<{ id: string; tenant_id: string | null }>(sql`
    select f.id, f.tenant_id
    from feeds f left join feed_collector_state s on s.feed_id = f.id
    -- Named feeds are collected even when disabled (an admin's "collect now" of a paused feed, tests).
    where (f.enabled or ${options.feedIds !== undefined}::boolean) and f.url is not null
      and (s.feed_id is null or (s.claimed_run_id is null and s.next_fetch_at <= ${now.toISOString()}::timestamptz))
      and (${options.feedIds === undefined}::boolean or f.id = any (${sql.param([...(options.feedIds ?? [])])}::text[]))
    order by s.next_fetch_at nulls first, f.id
    limit ${options.limit ?? 25}`);
  const claimed: ClaimedFeed[] = [];
  for (const feed of due) {
    const runId = newId("feedRun", now.getTime());
    const won = await withIngestTx({ db }, async (tx) => {
      const { rows } = await tx.execute<{ feed_id: string }>(sql`
        insert into feed_collector_state (feed_id, next_fetch_at, claimed_run_id, claimed_until)
        values (${feed.id}, ${now.toISOString()}::timestamptz, ${runId},
                ${now.toISOString()}::timestamptz + make_interval(secs => ${lease}))
        on conflict (feed_id) do update set
          claimed_run_id = excluded.claimed_run_id, claimed_until = excluded.claimed_until, updated_at = now()
        where feed_collector_state.claimed_run_id is null
          and feed_collector_state.next_fetch_at <= ${now.toISOString()}::timestamptz
        returning feed_id`);
      if (rows.length === 0) return false;
      await tx.execute(sql`
        insert into feed_runs (id, feed_id, tenant_id, status, started_at, trigger)
        values (${runId}, ${feed.id}, ${feed.tenant_id}, 'running', ${now.toISOString()}::timestamptz, 'schedule')`);
      return true;
    });
    if (won) claimed.push({ feedId: feed.id, runId, tenantId: feed.tenant_id });
  }
  return claimed;
}

/**
 * Fails claimed runs as abandoned and releases their feeds' claims: those whose lease ran out
 * (`onlyExpired`, every claim tick), or every claim (`pnpm dev` at start, when any claim belongs to a dead
 * process). An abandoned run says nothing about the feed, so the feed keeps its due time and failure count:
 * a due feed is collected again at the next tick instead of backing off for hours. Returns the run ids.
 */
export async function abandonClaimedRuns(options: {
  db: Database;
  now: Date;
  onlyExpired: boolean;
  message: string;
  /** Only these feeds (tests). */
  feedIds?: readonly string[];
}): Promise<string[]> {
  const { db, now } = options;
  const { rows } = await db.execute<{ run_id: string }>(sql`
    select claimed_run_id as run_id from feed_collector_state
    where claimed_run_id is not null
      and (not ${options.onlyExpired}::boolean or claimed_until <= ${now.toISOString()}::timestamptz)
      and (${options.feedIds === undefined}::boolean or feed_id = any (${sql.param([...(options.feedIds ?? [])])}::text[]))`);
  const abandoned: string[] = [];
  for (const row of rows) {
    if (await failRun(db, row.run_id, { reason: "abandoned", message: options.message, now })) {
      abandoned.push(row.run_id);
    }
  }
  return abandoned;
}

/** Makes a feed due now (an admin's "collect now"), unless a run of it is in progress. */
export async function requestCollection(db: Database, feedId: string, now: Date): Promise<boolean> {
  const { rows } = await db.execute<{ feed_id: string }>(sql`
    insert into feed_collector_state (feed_id, next_fetch_at) values (${feedId}, ${now.toISOString()}::timestamptz)
    on conflict (feed_id) do update set next_fetch_at = excluded.next_fetch_at, updated_at = now()
    where feed_collector_state.claimed_run_id is null
    returning feed_id`);
  return rows.length === 1;
}

export interface RunDeclaration {
  chunks: number;
  bytesFetched: number;
  stats: ParseStats;
  httpStatus: number | null;
  etag?: string | null;
  lastModified?: string | null;
  cursor?: string | null;
}

/**
 * The collector announces what it produced once the body is fully read. Returns false when the run was
 * declared before (a redelivered collect message must not re-announce).
 */
export async function declareRunChunks(
  db: Database,
  runId: string,
  declaration: RunDeclaration,
): Promise<boolean> {
  const { rows } = await db.execute<{ id: string }>(sql`
    update feed_runs set
      chunks_expected = ${declaration.chunks},
      bytes_fetched = ${declaration.bytesFetched},
      rows_parsed = ${declaration.stats.indicators},
      rows_rejected = ${declaration.stats.rejected},
      rows_skipped = ${declaration.stats.skipped},
      http_status = ${declaration.httpStatus},
      etag = ${declaration.etag ?? null},
      last_modified = ${declaration.lastModified ?? null},
      cursor = ${declaration.cursor ?? null}
    where id = ${runId} and status = 'running' and chunks_expected is null
    returning id`);
  return rows.length === 1;
}

export interface FinishedRun {
  runId: string;
  feedId: string;
  status: "succeeded" | "partial";
}

/**
 * Finishes the run when every announced chunk is in the ledger: the counters are summed from the ledger,
 * the feed's validators and due time are updated, and the claim is released. The conditional update makes
 * this exactly once even when several consumers call it together. Returns null when not (yet) complete.
 */
export async function finishRunIfComplete(
  db: Database,
  runId: string,
  now: Date = new Date(),
): Promise<FinishedRun | null> {
  return withIngestTx({ db }, async (tx) => {
    const { rows } = await tx.execute<{ feed_id: string; status: "succeeded" | "partial" }>(sql`
      with ledger as (
        select count(*)::int as chunks,
               coalesce(sum(indicators_new), 0)::int as new,
               coalesce(sum(indicators_changed), 0)::int as changed,
               coalesce(sum(indicators_unchanged), 0)::int as unchanged,
               coalesce(sum(rows_rejected), 0)::int as rejected
        from ingest_chunks where run_id = ${runId}
      )
      update feed_runs r set
        status = case when r.rows_rejected + ledger.rejected > 0 then 'partial' else 'succeeded' end,
        finished_at = ${now.toISOString()}::timestamptz,
        chunks_done = ledger.chunks,
        indicators_new = ledger.new,
        indicators_changed = ledger.changed,
        indicators_unchanged = ledger.unchanged,
        rows_rejected = r.rows_rejected + ledger.rejected
      from ledger
      where r.id = ${runId} and r.status = 'running' and r.chunks_expected is not null
        and ledger.chunks >= r.chunks_expected
      returning r.feed_id, r.status`);
    const finished = rows[0];
    if (!finished) return null;
    // Global feeds only: tf_ingest may not write tenant rows (RLS skips them); the run row has the time anyway.
    await tx.execute(
      sql`update feeds set last_run_at = ${now.toISOString()}::timestamptz where id = ${finished.feed_id}`,
    );
    await tx.execute(sql`
      update feed_collector_state s set
        next_fetch_at = ${now.toISOString()}::timestamptz + make_interval(secs => coalesce(f.cadence_seconds, 3600)),
        consecutive_failures = 0,
        etag = coalesce(r.etag, s.etag),
        last_modified = coalesce(r.last_modified, s.last_modified),
        cursor = coalesce(r.cursor, s.cursor),
        last_status = r.status,
        last_error = null,
        last_success_at = ${now.toISOString()}::timestamptz,
        claimed_run_id = null,
        claimed_until = null,
        updated_at = now()
      from feed_runs r join feeds f on f.id = r.feed_id
      where r.id = ${runId} and s.feed_id = r.feed_id and s.claimed_run_id = ${runId}`);
    return { runId, feedId: finished.feed_id, status: finished.status };
  });
}

export interface RunFailure {
  reason: FeedFailureReason | "abandoned" | "configuration" | "network";
  message: string;
  httpStatus?: number | null;
  retryAfterSeconds?: number | undefined;
  now: Date;
  /** Injected for tests; default Math.random. */
  random?: () => number;
}

/**
 * Fails a run with a clear reason and schedules the feed's next attempt with backoff (never sooner than its
 * cadence, longer when the source sent Retry-After); an abandoned run only releases the claim (see
 * `abandonClaimedRuns`). Other feeds are untouched. Returns false when the run had already finished.
 */
export async function failRun(db: Database, runId: string, failure: RunFailure): Promise<boolean> {
  return withIngestTx({ db }, async (tx) => {
    const { rows } = await tx.execute<{ feed_id: string; cadence: number; failures: number | null }>(sql`
      update feed_runs r set
        status = case when r.chunks_done > 0 or exists (select 1 from ingest_chunks c where c.run_id = r.id)
                      then 'partial' else 'failed' end,
        finished_at = ${failure.now.toISOString()}::timestamptz,
        error = ${failure.message.slice(0, 1000)},
        failure_reason = ${failure.reason},
        http_status = coalesce(${failure.httpStatus ?? null}::int, r.http_status),
        chunks_done = (select count(*) from ingest_chunks c where c.run_id = r.id)
      from feeds f
      left join feed_collector_state s on s.feed_id = f.id
      where r.id = ${runId} and r.status = 'running' and f.id = r.feed_id
      returning r.feed_id, coalesce(f.cadence_seconds, 3600) as cadence, s.consecutive_failures as failures`);
    const failed = rows[0];
    if (!failed) return false;
    if (failure.reason === "abandoned") {
      // Not the feed's fault (the collector died or was stopped): release the claim, keep due time and
      // failure count, so the feed is collected again at once and never backs off for it.
      await tx.execute(sql`
        update feed_collector_state set claimed_run_id = null, claimed_until = null, updated_at = now()
        where feed_id = ${failed.feed_id} and claimed_run_id = ${runId}`);
      return true;
    }
    const failures = (failed.failures ?? 0) + 1;
    const delay = nextFetchDelaySeconds(
      failed.cadence,
      failures,
      failure.random ? { random: failure.random } : {},
      failure.retryAfterSeconds,
    );
    await tx.execute(sql`
      update feed_collector_state set
        next_fetch_at = ${failure.now.toISOString()}::timestamptz + make_interval(secs => ${delay}),
        consecutive_failures = ${failures},
        last_status = 'failed',
        last_error = ${failure.message.slice(0, 1000)},
        claimed_run_id = null,
        claimed_until = null,
        updated_at = now()
      where feed_id = ${failed.feed_id} and (claimed_run_id = ${runId} or claimed_run_id is null)`);
    return true;
  });
}
