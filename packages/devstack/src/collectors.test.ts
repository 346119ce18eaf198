import { connectTestDatabases } from "@threatfusion/db/testing";
import { builtInFeeds } from "@threatfusion/feeds";
import {
  applyFeedChunks,
  claimDueFeeds,
  collectFeed,
  type FeedChunkMessage,
  finishRunIfComplete,
  syncFeedCatalog,
} from "@threatfusion/services";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
// The dev stack's offline mirror serves the committed real-format samples.
import { type FeedMirror, startFeedMirror } from "./feed-mirror.ts";

const dbs = connectTestDatabases(inject("database"));
let mirror: FeedMirror;

beforeAll(async () => {
  mirror = await startFeedMirror();
  await syncFeedCatalog({ db: dbs.ingest.db });
});
afterAll(async () => {
  await mirror.close();
  await dbs.end();
});

const collectable = builtInFeeds.filter((feed) => !feed.template).map((feed) => feed.id);

describe("every built-in collector on its real-format sample (the offline mirror)", () => {
  it.each(collectable)("%s: collects, applies and finishes with indicators", async (catalogId) => {
    const { rows } = await dbs.admin.pool.query<{ id: string }>(
      "select id from feeds where catalog_id = $1 and tenant_id is null",
      [catalogId],
    );
    const feedId = rows[0]?.id ?? "";
    const [claim] = await claimDueFeeds({ db: dbs.ingest.db, now: new Date(), feedIds: [feedId] });
    if (!claim) throw new Error(`${catalogId} was not due`);
    const queue: FeedChunkMessage[] = [];
    const result = await collectFeed(
      {
        db: dbs.ingest.db,
        fetch,
        secrets: {},
        mirrorUrl: mirror.url,
        sendChunk: async (message) => void queue.push(message),
        now: () => new Date(),
      },
      claim,
    );
    expect(result.status, JSON.stringify(result)).toBe("collected");
    await applyFeedChunks({ ingestDb: dbs.ingest.db, appDb: dbs.app.db }, queue);
    const finished = await finishRunIfComplete(dbs.ingest.db, claim.runId);
    expect(finished?.status).toMatch(/succeeded|partial/);
    const { rows: run } = await dbs.admin.pool.query<{ rows_parsed: number; new_or_known: number }>(
      "select rows_parsed, indicators_new + indicators_changed + indicators_unchanged as new_or_known from feed_runs where id = $1",
      [claim.runId],
    );
    expect(run[0]?.rows_parsed).toBeGreaterThan(0);
    expect(run[0]?.new_or_known).toBeGreaterThan(0);
  });
});
