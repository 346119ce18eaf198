import { newId } from "@threatfusion/core";
import { connectTestDatabases } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { abandonClaimedRuns, claimDueFeeds } from "./runs.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
const sourceId = newId("source");
const createdFeeds: string[] = [];

beforeAll(async () => {
  await dbs.admin.pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, 'B')",
    [sourceId, `abandoned runs ${sourceId}`],
  );
});
afterAll(async () => {
  await dbs.admin.pool.query("delete from feeds where id = any($1::text[])", [createdFeeds]);
  await dbs.admin.pool.query("delete from sources where id = $1", [sourceId]);
  await dbs.end();
});

/** A disabled global feed (the cron never claims it; the test names it), never collected before. */
async function createFeed(): Promise<string> {
  const feedId = newId("feed");
  createdFeeds.push(feedId);
  await dbs.admin.pool.query(
    "insert into feeds (id, tenant_id, source_id, name, url, format, cadence_seconds, enabled) values ($1, null, $2, $3, 'http://127.0.0.1:9/none', 'text', 3600, false)",
    [feedId, sourceId, `abandoned ${feedId}`],
  );
  return feedId;
}

async function stateOf(feedId: string) {
  const { rows } = await dbs.admin.pool.query<{
    consecutive_failures: number;
    claimed_run_id: string | null;
    next_fetch_at: Date;
  }>(
    "select consecutive_failures, claimed_run_id, next_fetch_at from feed_collector_state where feed_id = $1",
    [feedId],
  );
  return rows[0];
}

async function runOf(runId: string) {
  const { rows } = await dbs.admin.pool.query<{ status: string; failure_reason: string | null }>(
    "select status, failure_reason from feed_runs where id = $1",
    [runId],
  );
  return rows[0];
}

describe("a run whose collector died", () => {
  it("is failed as abandoned when its lease ran out, without backoff: the feed is claimed again in the same tick", async () => {
    const feedId = await createFeed();
    const start = new Date();
    const [first] = await claimDueFeeds({
      db: dbs.ingest.db,
      now: start,
      leaseSeconds: 60,
      feedIds: [feedId],
    });
    expect(first?.feedId).toBe(feedId);

    const later = new Date(start.getTime() + 5 * 60_000);
    const [second] = await claimDueFeeds({
      db: dbs.ingest.db,
      now: later,
      leaseSeconds: 60,
      feedIds: [feedId],
    });
    expect(await runOf(first?.runId ?? "")).toEqual({ status: "failed", failure_reason: "abandoned" });
    expect(second?.feedId).toBe(feedId);
    expect(second?.runId).not.toBe(first?.runId);
    const state = await stateOf(feedId);
    expect(state?.consecutive_failures).toBe(0);
    expect(state?.claimed_run_id).toBe(second?.runId);
  });

  it("a real failure still counts (the abandoned run before it does not)", async () => {
    const feedId = await createFeed();
    const start = new Date();
    await claimDueFeeds({ db: dbs.ingest.db, now: start, leaseSeconds: 60, feedIds: [feedId] });
    // Abandoned three times in a row: still no failure on the feed's record.
    for (const minutes of [5, 10, 15]) {
      await claimDueFeeds({
        db: dbs.ingest.db,
        now: new Date(start.getTime() + minutes * 60_000),
        leaseSeconds: 60,
        feedIds: [feedId],
      });
    }
    const state = await stateOf(feedId);
    expect(state?.consecutive_failures).toBe(0);
    expect(state?.next_fetch_at.getTime()).toBeLessThanOrEqual(start.getTime() + 15 * 60_000);
  });

  it("is released on dev-stack start even within its lease, so the due feed is collected at once", async () => {
    const feedId = await createFeed();
    const now = new Date();
    const [claim] = await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] });
    expect(claim).toBeDefined();
    // Within the 15-minute lease the claim holds.
    expect(await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] })).toEqual([]);

    const released = await abandonClaimedRuns({
      db: dbs.ingest.db,
      now,
      onlyExpired: false,
      message: "the previous dev stack stopped",
      feedIds: [feedId],
    });
    expect(released).toEqual([claim?.runId]);
    expect(await runOf(claim?.runId ?? "")).toEqual({ status: "failed", failure_reason: "abandoned" });
    const [again] = await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] });
    expect(again?.feedId).toBe(feedId);
    expect((await stateOf(feedId))?.consecutive_failures).toBe(0);
  });
});
