import { newId } from "@threatfusion/core";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyFeedChunks } from "../ingestion/apply-chunks.ts";
import { handOffChanges, type TenantChangeBatch } from "../ingestion/hand-off.ts";
import { importInProcess } from "../ingestion/queued-import.testing.ts";
import { userContext } from "../testing/intel-fixtures.ts";
import { createPrivateFeed } from "./create-private-feed.ts";
import { listFeedRuns } from "./list-feed-runs.ts";
import { listFeeds } from "./list-feeds.ts";
import { listDeadLetters, setGlobalFeedEnabled } from "./manage-global-feeds.ts";
import { subscribeFeed } from "./subscribe-feed.ts";
import { syncFeedCatalog } from "./sync-catalog.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "feeds");
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

const clientA = () => userContext(dbs, tree, "clientA");
const clientB = () => userContext(dbs, tree, "clientB");

describe("the built-in catalog sync", () => {
  it("writes every built-in feed as a global row, and a second sync changes nothing", async () => {
    await syncFeedCatalog({ db: dbs.ingest.db });
    const second = await syncFeedCatalog({ db: dbs.ingest.db });
    expect(second).toMatchObject({ sourcesWritten: 0, feedsCreated: 0, feedsUpdated: 0 });
    expect(second.feedsUnchanged).toBeGreaterThanOrEqual(25);
    const { rows } = await dbs.admin.pool.query(
      "select catalog_id, enabled, url from feeds where tenant_id is null and catalog_id in ('abusech-urlhaus', 'misp-feed')",
    );
    const byId = Object.fromEntries(rows.map((row) => [row.catalog_id, row]));
    expect(byId["abusech-urlhaus"]?.url).toContain("urlhaus");
    // Templates are completed as private feeds: no URL, never collected.
    expect(byId["misp-feed"]).toMatchObject({ enabled: false, url: null });
  });

  it("lets only the platform enable a global feed", async () => {
    const { rows } = await dbs.admin.pool.query(
      "select id from feeds where catalog_id = 'cisa-kev' and tenant_id is null",
    );
    const feedId = rows[0]?.id as string;
    await expect(
      setGlobalFeedEnabled({
        ctx: clientA(),
        input: { feedId, enabled: true },
        deps: { ingestDb: dbs.ingest.db },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("feeds and runs seen by a tenant", () => {
  it("shows the global catalog and the tenant's own private feeds, never another tenant's", async () => {
    const { feedId: privateA } = await createPrivateFeed({
      ctx: clientA(),
      input: { name: "A's honeypot", url: "https://honeypot.example.com/ips.txt", format: "text" },
    });
    const { feedId: privateB } = await createPrivateFeed({
      ctx: clientB(),
      input: { name: "B's blocklist", url: "https://b.example.com/list.txt", format: "text" },
    });
    const seenByA = await listFeeds({ ctx: clientA() });
    const ids = seenByA.map((feed) => feed.id);
    expect(ids).toContain(privateA);
    expect(ids).not.toContain(privateB);
    expect(seenByA.find((feed) => feed.catalogId === "abusech-urlhaus")).toMatchObject({ scope: "global" });
    expect(seenByA.find((feed) => feed.id === privateA)).toMatchObject({
      scope: "private",
      subscribed: true,
    });
    await expect(listFeedRuns({ ctx: clientA(), input: { feedId: privateB } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("imports pasted text into the tenant's private indicators with a summary and rejected line numbers", async () => {
    const text = [
      "Seen today: C2 at 203.0.113.99 and hxxp://evil[.]example[.]com/gate.php",
      "hash 44d88612fea8a8f36de82e1278abb02f",
      `${"x".repeat(70_000)}`,
      "nothing here",
    ].join("\n");
    const { progress: summary } = await importInProcess(clientA(), dbs.ingest.db, { text });
    expect(summary).toMatchObject({ format: "text", parsed: 3, new: 3, rejected: 1, status: "partial" });
    expect(summary.rejectedRows).toEqual([expect.objectContaining({ line: 3 })]);
    const { progress: again } = await importInProcess(clientA(), dbs.ingest.db, { text, format: "text" });
    // Seen again later: the same three rows, their last-seen moved forward, nothing new.
    expect(again).toMatchObject({ new: 0, changed: 3, unchanged: 0 });
    const { rows } = await dbs.admin.pool.query(
      "select tenant_id, type from private_indicators where value = 'http://evil.example.com/gate.php'",
    );
    expect(rows).toEqual([{ tenant_id: tree.clientAId, type: "url" }]);
    // The import is a run of the tenant's import feed, visible to it and only to it.
    const runs = await listFeedRuns({ ctx: clientA(), input: { feedId: summary.feedId } });
    expect(runs[0]).toMatchObject({
      trigger: "import",
      rowsRejected: 1,
      rejected: [expect.objectContaining({ line: 3 })],
    });
    await expect(listFeedRuns({ ctx: clientB(), input: { feedId: summary.feedId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("refuses an HTML page as an import with a clear reason", async () => {
    const html = "<!DOCTYPE html><html><head><title>Error 502</title></head><body></body></html>";
    await expect(
      importInProcess(clientA(), dbs.ingest.db, { text: html, format: "csv" }),
    ).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringContaining("Error 502") });
  });

  it("hands a global change only to tenants that subscribe and hold state about the indicator", async () => {
    const { rows } = await dbs.admin.pool.query(
      "select id from feeds where catalog_id = 'abusech-feodo' and tenant_id is null",
    );
    const feedId = rows[0]?.id as string;
    await subscribeFeed({ ctx: clientA(), input: { feedId, enabled: true } });
    await subscribeFeed({ ctx: clientB(), input: { feedId, enabled: true } });
    const runId = newId("feedRun");
    await dbs.admin.pool.query("insert into feed_runs (id, feed_id, status) values ($1, $2, 'running')", [
      runId,
      feedId,
    ]);
    const first = {
      kind: "feed-chunk" as const,
      runId,
      feedId,
      chunk: 0,
      observedAt: "2026-11-25T10:00:00.000Z",
      indicators: [{ type: "ipv4" as const, value: "192.0.2.250", tags: [], context: {}, line: 1 }],
      rejected: [],
    };
    await applyFeedChunks({ ingestDb: dbs.ingest.db, appDb: dbs.app.db }, [first]);
    const batches: TenantChangeBatch[] = [];
    const notifyTenants = async (sent: TenantChangeBatch[]) => void batches.push(...sent);
    // New to the catalog, and no tenant holds state about it yet: nobody is notified.
    await handOffChanges({ ingestDb: dbs.ingest.db, appDb: dbs.app.db, notifyTenants }, [runId]);
    expect(batches).toEqual([]);
    const { rows: indicator } = await dbs.admin.pool.query(
      "select id from indicators where type = 'ipv4' and value = '192.0.2.250'",
    );
    const indicatorId = indicator[0]?.id as string;
    // Only client A has an overlay on it (say, marked as investigating).
    await dbs.admin.pool.query(
      "insert into tenant_indicators (tenant_id, indicator_id, status) values ($1, $2, 'investigating')",
      [tree.clientAId, indicatorId],
    );
    // The same indicator seen again later: a change.
    await applyFeedChunks({ ingestDb: dbs.ingest.db, appDb: dbs.app.db }, [
      { ...first, chunk: 1, observedAt: "2026-11-25T11:00:00.000Z" },
    ]);
    await handOffChanges({ ingestDb: dbs.ingest.db, appDb: dbs.app.db, notifyTenants }, [runId]);
    expect(batches).toEqual([
      { tenantId: tree.clientAId, batchKey: `${runId}:1`, indicatorIds: [indicatorId], scope: "global" },
    ]);
    // Handed off once: a second call has nothing left to send.
    batches.length = 0;
    await handOffChanges({ ingestDb: dbs.ingest.db, appDb: dbs.app.db, notifyTenants }, [runId]);
    expect(batches).toEqual([]);
  });

  it("shows dead letters to the platform operator only", async () => {
    await expect(listDeadLetters({ ctx: clientA(), input: {} })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
