import { readFileSync } from "node:fs";
import { newId } from "@threatfusion/core";
import { catalogExplanation, withIngestTx } from "@threatfusion/db";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { indexIndicators } from "@threatfusion/search";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyFeedChunks } from "./apply-chunks.ts";
import { collectFeed } from "./collect.ts";
import { type FakeFeedProvider, startFakeFeedProvider } from "./fake-feed-provider.ts";
import { handOffChanges, type TenantChangeBatch } from "./hand-off.ts";
import type { FeedChunkMessage } from "./messages.ts";
import { claimDueFeeds, finishRunIfComplete } from "./runs.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
// The global catalog is shared by every suite of the run (and the dev mirror serves the same sample), so this
// suite gives its URLs a path of its own: "new" then means new to this run, whatever ran before.
const runPath = `pipeline-${Date.now().toString(36)}`;
const urlhaus = readFileSync(new URL("../../fixtures/urlhaus_recent.csv", import.meta.url), "utf8").replace(
  /"(https?:\/\/[^/"\s]+)\//g,
  `"$1/${runPath}/`,
);

let tree: TestTenantTree;
let provider: FakeFeedProvider;
const createdFeeds: string[] = [];

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "ingest");
  provider = await startFakeFeedProvider();
});
afterAll(async () => {
  await dbs.admin.pool.query("delete from feeds where id = any($1::text[])", [createdFeeds]);
  await tree.cleanup();
  await provider.close();
  await dbs.end();
});

/** A global (or tenant-private) feed pointing at the fake provider, created with the owner connection. */
async function createFeed(options: {
  path: string;
  format: string;
  tenantId?: string;
  cadence?: number;
  server?: FakeFeedProvider;
}) {
  const sourceId = newId("source");
  const feedId = newId("feed");
  await dbs.admin.pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, $2, $3, 'B')",
    [sourceId, options.tenantId ?? null, `fake provider ${sourceId}`],
  );
  await dbs.admin.pool.query(
    "insert into feeds (id, tenant_id, source_id, name, url, format, cadence_seconds, enabled) values ($1, $2, $3, $4, $5, $6, $7, false)",
    [
      feedId,
      options.tenantId ?? null,
      sourceId,
      `fake ${feedId}`,
      `${(options.server ?? provider).url}${options.path}`,
      options.format,
      options.cadence ?? 300,
    ],
  );
  createdFeeds.push(feedId);
  return { feedId, sourceId };
}

/** The Worker's path, in-process: claim -> collect (chunks to an array "queue") -> apply -> hand off -> finish. */
async function runPipeline(feedId: string, now = new Date()) {
  const queue: FeedChunkMessage[] = [];
  const [claim] = await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] });
  if (!claim) throw new Error("feed was not due");
  const result = await collectFeed(
    {
      db: dbs.ingest.db,
      fetch,
      secrets: {},
      sendChunk: async (message) => {
        queue.push(message);
      },
      now: () => now,
      batch: { maxItems: 2 },
    },
    claim,
  );
  return { claim, result, queue };
}

async function run(runId: string) {
  const { rows } = await dbs.admin.pool.query("select * from feed_runs where id = $1", [runId]);
  return rows[0];
}

describe("a global feed run through the pipeline", () => {
  it("collects, applies each chunk once, finishes exactly once with counts and rejected rows", async () => {
    provider.route("/urlhaus.csv", (response) => {
      response.writeHead(200, { "content-type": "text/csv", etag: '"v1"' }).end(urlhaus);
    });
    const { feedId } = await createFeed({ path: "/urlhaus.csv", format: "urlhaus" });
    const { claim, result, queue } = await runPipeline(feedId);
    expect(result).toMatchObject({ status: "collected", finished: false });
    expect(queue.length).toBeGreaterThan(1);

    const deps = { ingestDb: dbs.ingest.db, appDb: dbs.app.db };
    const first = await applyFeedChunks(deps, queue);
    expect([...first.outcomes.values()].every((outcome) => outcome === "applied")).toBe(true);
    // Redelivery of the whole batch: nothing is applied twice.
    const again = await applyFeedChunks(deps, queue);
    expect([...again.outcomes.values()].every((outcome) => outcome === "duplicate")).toBe(true);

    const notified: TenantChangeBatch[] = [];
    await handOffChanges({ ...deps, notifyTenants: async (batches) => void notified.push(...batches) }, [
      claim.runId,
    ]);
    const finished = await finishRunIfComplete(dbs.ingest.db, claim.runId);
    expect(finished?.status).toBe("partial");
    expect(await finishRunIfComplete(dbs.ingest.db, claim.runId)).toBeNull();

    const row = await run(claim.runId);
    expect(row).toMatchObject({
      status: "partial",
      rows_parsed: 4,
      rows_rejected: 1,
      indicators_new: 4,
      indicators_unchanged: 0,
      chunks_expected: queue.length,
      chunks_done: queue.length,
      etag: '"v1"',
    });
    const { rows: rejections } = await dbs.admin.pool.query(
      "select line, reason from feed_run_rejections where run_id = $1",
      [claim.runId],
    );
    expect(rejections).toHaveLength(1);
    expect(rejections[0]?.line).toBe(13);
    const { rows: observed } = await dbs.admin.pool.query(
      `select i.value, o.malware_family, o.threat_type from observations o join indicators i on i.id = o.indicator_id
       join feeds f on f.source_id = o.source_id where f.id = $1 order by i.value`,
      [feedId],
    );
    expect(observed.map((o) => o.value)).toContain(
      `https://malware.example.com/${runPath}/payload/update.exe`,
    );

    // Scored at apply: each new row references an explanation stored once (migration 0066), read back whole.
    const { rows: explained } = await dbs.admin.db.execute<{
      explanation_id: string | null;
      explanation: { summary?: string } | null;
    }>(sql`
      select distinct on (i.id) i.score_explanation_id as explanation_id,
        ${catalogExplanation(sql`i`)} as explanation
      from indicators i join observations o on o.indicator_id = i.id join feeds f on f.source_id = o.source_id
      where f.id = ${feedId}`);
    expect(explained).toHaveLength(4);
    for (const row of explained) {
      expect(row).toMatchObject({ explanation_id: expect.any(String) });
      expect(row.explanation?.summary).toContain("fake provider");
    }

    // Searchable once applied: the documents written with the delivery are those a rebuild from the stored
    // observations gives (malware family, threat type, source name).
    const documents = async () =>
      (
        await dbs.admin.pool.query(
          `select s.indicator_id, s.terms, s.document::text as document from indicator_search s
           join observations o on o.indicator_id = s.indicator_id join feeds f on f.source_id = o.source_id
           where f.id = $1 order by s.indicator_id`,
          [feedId],
        )
      ).rows;
    const written = await documents();
    expect(written).toHaveLength(4);
    expect(written.every((document) => document.terms.includes("fake provider"))).toBe(true);
    await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      indexIndicators(
        tx,
        written.map((document) => document.indicator_id),
      ),
    );
    expect(await documents()).toEqual(written);
  });

  it("sends the stored ETag next time and records a 304 as a run with nothing new", async () => {
    const seen: (string | undefined)[] = [];
    provider.route("/etag.csv", (response, headers) => {
      seen.push(headers["if-none-match"]);
      if (headers["if-none-match"] === '"v7"') response.writeHead(304).end();
      else response.writeHead(200, { etag: '"v7"' }).end(urlhaus);
    });
    const { feedId } = await createFeed({ path: "/etag.csv", format: "urlhaus", cadence: 60 });
    const first = await runPipeline(feedId);
    await applyFeedChunks({ ingestDb: dbs.ingest.db, appDb: dbs.app.db }, first.queue);
    expect(await finishRunIfComplete(dbs.ingest.db, first.claim.runId)).not.toBeNull();
    const later = new Date(Date.now() + 120_000);
    const second = await runPipeline(feedId, later);
    expect(second.result.status).toBe("not-modified");
    expect(seen).toEqual([undefined, '"v7"']);
    expect(await run(second.claim.runId)).toMatchObject({
      status: "succeeded",
      http_status: 304,
      chunks_expected: 0,
    });
  });

  it.each([
    [401, "auth", "API key"],
    [404, "not-found", "no longer exists"],
    [429, "rate-limited", "rate limited"],
    [503, "server-error", "failing"],
  ])("fails the run on HTTP %i with reason %s and backs off", async (status, reason, words) => {
    // A 429 holds back every feed of that server until Retry-After: give it a server of its own.
    const server = status === 429 ? await startFakeFeedProvider() : provider;
    server.route(`/status-${status}`, (response) => {
      response.writeHead(status, { "content-type": "text/plain", "retry-after": "7200" }).end("nope");
    });
    const { feedId } = await createFeed({ path: `/status-${status}`, format: "text", server });
    const now = new Date();
    const { claim, result } = await runPipeline(feedId, now);
    expect(result).toMatchObject({ status: "failed", reason });
    const row = await run(claim.runId);
    expect(row).toMatchObject({ status: "failed", failure_reason: reason, http_status: status });
    expect(row?.error).toContain(words);
    const { rows } = await dbs.admin.pool.query(
      "select consecutive_failures, next_fetch_at, claimed_run_id from feed_collector_state where feed_id = $1",
      [feedId],
    );
    expect(rows[0]?.consecutive_failures).toBe(1);
    expect(rows[0]?.claimed_run_id).toBeNull();
    expect(new Date(rows[0]?.next_fetch_at).getTime()).toBeGreaterThanOrEqual(now.getTime() + 300_000);
    if (status === 429)
      expect(new Date(rows[0]?.next_fetch_at).getTime()).toBeGreaterThanOrEqual(now.getTime() + 7_200_000);
    // Not due again right away: the backoff holds.
    expect(await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] })).toEqual([]);
    if (server !== provider) await server.close();
  });

  it("fails the run when the feed answers an HTML page instead of data", async () => {
    provider.route("/login", (response) => {
      response
        .writeHead(200, { "content-type": "text/plain" })
        .end("<!DOCTYPE html><html><head><title>Sign in</title></head><body>login</body></html>");
    });
    const { feedId } = await createFeed({ path: "/login", format: "urlhaus" });
    const { claim, result } = await runPipeline(feedId);
    expect(result).toMatchObject({ status: "failed", reason: "html-instead-of-data" });
    expect((await run(claim.runId))?.error).toContain("Sign in");
  });
});

describe("at-least-once delivery", () => {
  it("loses nothing when the consumer dies before commit: the retry applies everything once", async () => {
    provider.route("/kill.csv", (response) => {
      response
        .writeHead(200)
        .end(
          urlhaus
            .replaceAll("example", "killtest")
            .replace("192.0.2.15", "192.0.2.115")
            .replace("198.51.100.77", "198.51.100.177"),
        );
    });
    const { feedId } = await createFeed({ path: "/kill.csv", format: "urlhaus" });
    const { claim, queue } = await runPipeline(feedId);
    const deps = { ingestDb: dbs.ingest.db, appDb: dbs.app.db };
    await expect(
      applyFeedChunks(
        {
          ...deps,
          beforeCommit: () => {
            throw new Error("worker killed");
          },
        },
        queue,
      ),
    ).rejects.toThrow("worker killed");
    const { rows: nothing } = await dbs.admin.pool.query(
      "select count(*)::int as n from ingest_chunks where run_id = $1",
      [claim.runId],
    );
    expect(nothing[0]?.n).toBe(0);
    const retried = await applyFeedChunks(deps, queue);
    expect([...retried.outcomes.values()].every((outcome) => outcome === "applied")).toBe(true);
    expect(await finishRunIfComplete(dbs.ingest.db, claim.runId)).not.toBeNull();
    expect(await run(claim.runId)).toMatchObject({ indicators_new: 4, chunks_done: queue.length });
  });

  it("sends a private feed's indicators to its tenant only, never to the global catalog", async () => {
    provider.route("/private.txt", (response) => {
      response.writeHead(200).end("# our honeypot\n192.0.2.201\n192.0.2.202 # inline note\nnot-an-ip\n");
    });
    const { feedId } = await createFeed({ path: "/private.txt", format: "text", tenantId: tree.clientBId });
    const { claim, queue } = await runPipeline(feedId);
    const deps = { ingestDb: dbs.ingest.db, appDb: dbs.app.db };
    await applyFeedChunks(deps, queue);
    const notified: TenantChangeBatch[] = [];
    await handOffChanges({ ...deps, notifyTenants: async (batches) => void notified.push(...batches) }, [
      claim.runId,
    ]);
    expect(notified.map((batch) => [batch.tenantId, batch.scope, batch.indicatorIds.length])).toEqual([
      [tree.clientBId, "private", 2],
    ]);
    expect(await finishRunIfComplete(dbs.ingest.db, claim.runId)).toMatchObject({ status: "partial" });
    const { rows } = await dbs.admin.pool.query(
      "select tenant_id from private_indicators where value in ('192.0.2.201', '192.0.2.202')",
    );
    expect(rows).toEqual([{ tenant_id: tree.clientBId }, { tenant_id: tree.clientBId }]);
    const { rows: global } = await dbs.admin.pool.query(
      "select 1 from indicators where value = '192.0.2.201'",
    );
    expect(global).toEqual([]);
  });
});

describe("a download that breaks off", () => {
  it("fails the run with the bytes read, keeps what was already queued, and retries later", async () => {
    provider.route("/cut.txt", (response) => {
      response.writeHead(200, { "content-type": "text/plain", "content-length": "100000" });
      response.write("192.0.2.71\n192.0.2.72\n192.0.2.7");
      setTimeout(() => response.destroy(), 50);
    });
    const { feedId } = await createFeed({ path: "/cut.txt", format: "text" });
    const { claim, result } = await runPipeline(feedId);
    expect(result).toMatchObject({ status: "failed", reason: "network" });
    const row = await run(claim.runId);
    expect(row?.error).toContain("broke off after 31 bytes");
    const { rows } = await dbs.admin.pool.query(
      "select consecutive_failures from feed_collector_state where feed_id = $1",
      [feedId],
    );
    expect(rows[0]?.consecutive_failures).toBe(1);
  });
});
