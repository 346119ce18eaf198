import { AppError } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { type FeedRunSummary, toRunSummary } from "./list-feeds.ts";

export interface FeedRunDetail extends FeedRunSummary {
  /** Rejected rows with their line number and reason (the first `rejectedLimit` of the run). */
  rejected: { line: number; reason: string; raw: string }[];
}

export interface ListFeedRunsInput {
  feedId: string;
  /** Newest first; default 20, at most 100. */
  limit?: number;
  /** Rejected rows shown per run; default 50. */
  rejectedLimit?: number;
}

/** A feed's runs, newest first, with counts, duration, errors and rejected rows. NOT_FOUND for a feed the tenant cannot see. */
export async function listFeedRuns({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListFeedRunsInput;
}): Promise<FeedRunDetail[]> {
  authorizeAction(ctx, "feed.read");
  const limit = Math.min(Math.max(input.limit ?? 20, 1), 100);
  const rejectedLimit = Math.min(Math.max(input.rejectedLimit ?? 50, 0), 500);
  return inTenantTx(ctx, async (tx) => {
    const { rows: feeds } = await tx.execute<{ id: string }>(
      sql`select id from feeds where id = ${input.feedId}`,
    );
    if (feeds.length === 0) throw new AppError("NOT_FOUND", "No such feed");
    const { rows } = await tx.execute<{
      run: Record<string, unknown>;
      rejected: FeedRunDetail["rejected"] | null;
    }>(sql`
      select to_jsonb(r) as run,
             (select jsonb_agg(jsonb_build_object('line', x.line, 'reason', x.reason, 'raw', x.raw) order by x.line)
              from (select line, reason, raw from feed_run_rejections j where j.run_id = r.id
                    order by j.chunk, j.ordinal limit ${rejectedLimit}) x) as rejected
      from feed_runs r where r.feed_id = ${input.feedId}
      order by r.started_at desc limit ${limit}`);
    return rows.map((row) => ({ ...toRunSummary(row.run), rejected: row.rejected ?? [] }));
  });
}
