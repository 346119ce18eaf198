import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

export interface FeedRunSummary {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  httpStatus: number | null;
  bytesFetched: number;
  rowsParsed: number;
  rowsRejected: number;
  rowsSkipped: number;
  indicatorsNew: number;
  indicatorsChanged: number;
  indicatorsUnchanged: number;
  chunksExpected: number | null;
  chunksDone: number;
  error: string | null;
  failureReason: string | null;
}

export interface FeedSummary {
  id: string;
  name: string;
  /** "global": the platform catalog; "private": this tenant's (or, in the overview, a client's) own feed. */
  scope: "global" | "private";
  tenantId: string | null;
  catalogId: string | null;
  provider: string | null;
  source: { id: string; name: string; reliability: string };
  format: string;
  url: string | null;
  cadenceSeconds: number | null;
  enabled: boolean;
  /** Global feeds: whether this tenant subscribes. Private feeds: always true. */
  subscribed: boolean;
  health: {
    nextFetchAt: string | null;
    consecutiveFailures: number;
    lastStatus: string | null;
    lastError: string | null;
    lastSuccessAt: string | null;
  };
  lastRun: FeedRunSummary | null;
}

interface FeedListRow extends Record<string, unknown> {
  id: string;
  name: string;
  tenant_id: string | null;
  catalog_id: string | null;
  provider: string | null;
  source_id: string;
  source_name: string;
  reliability: string;
  format: string;
  url: string | null;
  cadence_seconds: number | null;
  enabled: boolean;
  subscribed: boolean | null;
  next_fetch_at: string | null;
  consecutive_failures: number | null;
  last_status: string | null;
  last_error: string | null;
  last_success_at: string | null;
  run: Record<string, unknown> | null;
}

/** Maps a `feed_runs` row (snake_case, as `to_jsonb` gives it) to the API shape. */
export function toRunSummary(row: Record<string, unknown>): FeedRunSummary {
  const started = String(row.started_at);
  const finished = row.finished_at === null || row.finished_at === undefined ? null : String(row.finished_at);
  const number = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
  return {
    id: String(row.id),
    status: String(row.status),
    trigger: String(row.trigger),
    startedAt: new Date(started).toISOString(),
    finishedAt: finished === null ? null : new Date(finished).toISOString(),
    durationMs: finished === null ? null : Date.parse(finished) - Date.parse(started),
    httpStatus: row.http_status === null || row.http_status === undefined ? null : Number(row.http_status),
    bytesFetched: number(row.bytes_fetched),
    rowsParsed: number(row.rows_parsed),
    rowsRejected: number(row.rows_rejected),
    rowsSkipped: number(row.rows_skipped),
    indicatorsNew: number(row.indicators_new),
    indicatorsChanged: number(row.indicators_changed),
    indicatorsUnchanged: number(row.indicators_unchanged),
    chunksExpected:
      row.chunks_expected === null || row.chunks_expected === undefined ? null : Number(row.chunks_expected),
    chunksDone: number(row.chunks_done),
    error: typeof row.error === "string" ? row.error : null,
    failureReason: typeof row.failure_reason === "string" ? row.failure_reason : null,
  };
}

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * The feeds a tenant can see (the global catalog, its subscriptions, its own private feeds; never another
 * tenant's: row-level security decides), each with its health and last run.
 */
export async function listFeeds({ ctx }: { ctx: ServiceContext; input?: undefined }): Promise<FeedSummary[]> {
  authorizeAction(ctx, "feed.read");
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<FeedListRow>(sql`
      select f.id, f.name, f.tenant_id, f.catalog_id, f.config->>'provider' as provider,
             s.id as source_id, s.name as source_name, s.reliability, f.format, f.url, f.cadence_seconds, f.enabled,
             sub.enabled as subscribed,
             st.next_fetch_at::text, st.consecutive_failures, st.last_status, st.last_error, st.last_success_at::text,
             (select to_jsonb(r) from feed_runs r where r.feed_id = f.id order by r.started_at desc limit 1) as run
      from feeds f
      join sources s on s.id = f.source_id
      left join feed_subscriptions sub on sub.feed_id = f.id and sub.tenant_id = ${ctx.tenant.tenantId}
      left join feed_collector_state st on st.feed_id = f.id
      order by f.tenant_id nulls first, f.name`);
    return rows.map(
      (row): FeedSummary => ({
        id: row.id,
        name: row.name,
        scope: row.tenant_id === null ? "global" : "private",
        tenantId: row.tenant_id,
        catalogId: row.catalog_id,
        provider: row.provider,
        source: { id: row.source_id, name: row.source_name, reliability: row.reliability },
        format: row.format,
        url: row.url,
        cadenceSeconds: row.cadence_seconds,
        enabled: row.enabled,
        subscribed: row.tenant_id !== null || row.subscribed === true,
        health: {
          nextFetchAt: iso(row.next_fetch_at),
          consecutiveFailures: row.consecutive_failures ?? 0,
          lastStatus: row.last_status,
          lastError: row.last_error,
          lastSuccessAt: iso(row.last_success_at),
        },
        lastRun: row.run === null ? null : toRunSummary(row.run),
      }),
    );
  });
}
