import { newId } from "@threatfusion/core";
import { connectTestDatabases } from "@threatfusion/db/testing";
import type { ProviderBudget } from "@threatfusion/feeds";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectFeed } from "./collect.ts";
import { type FakeFeedProvider, startFakeFeedProvider } from "./fake-feed-provider.ts";
import { claimDueFeeds, requestCollection } from "./runs.ts";

const dbs = connectTestDatabases(inject("database"));
let provider: FakeFeedProvider;
const createdFeeds: string[] = [];

beforeAll(async () => {
  provider = await startFakeFeedProvider();
});
afterAll(async () => {
  await dbs.admin.pool.query("delete from feeds where id = any($1::text[])", [createdFeeds]);
  await provider.close();
  await dbs.end();
});

/** A global text feed of a named provider (its stored definition), served by the fake provider at `path`. */
async function createFeed(providerName: string, path: string, cadenceSeconds = 300) {
  const sourceId = newId("source");
  const feedId = newId("feed");
  const definition = {
    id: "test-rate-limits",
    name: "rate-limited feed",
    provider: providerName,
    urls: ["https://feeds.example.com/list.txt"],
    format: "text",
    parser: {},
    cadenceSeconds,
    auth: { kind: "none" },
    licence: { name: "test", attributionRequired: false, commercialUse: "allowed" },
    reliability: "C",
    tlp: "clear",
    indicatorTypes: ["ipv4"],
  };
  await dbs.admin.pool.query("insert into sources (id, name, reliability) values ($1, $2, 'C')", [
    sourceId,
    `rate limits ${sourceId}`,
  ]);
  await dbs.admin.pool.query(
    "insert into feeds (id, source_id, name, url, format, cadence_seconds, enabled, config) values ($1, $2, $3, $4, 'text', $5, false, $6)",
    [
      feedId,
      sourceId,
      `rate limits ${feedId}`,
      `${provider.url}${path}`,
      cadenceSeconds,
      JSON.stringify({ definition }),
    ],
  );
  createdFeeds.push(feedId);
  provider.route(path, (response) =>
    response.writeHead(200, { "content-type": "text/plain" }).end("45.33.32.156\n"),
  );
  return feedId;
}

/** Claims the feed at `now` (unless already claimed through "collect now") and collects it. */
async function collect(feedId: string, now: Date, budgetOf?: (provider: string) => ProviderBudget) {
  const [claim] = await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] });
  if (!claim) throw new Error("feed was not due");
  return collectFeed(
    {
      db: dbs.ingest.db,
      fetch,
      secrets: {},
      sendChunk: async () => undefined,
      now: () => now,
      ...(budgetOf ? { budgetOf } : {}),
    },
    claim,
  );
}

async function nextFetchAt(feedId: string): Promise<number> {
  const { rows } = await dbs.admin.pool.query<{ next: Date }>(
    "select next_fetch_at as next from feed_collector_state where feed_id = $1",
    [feedId],
  );
  return rows[0]?.next.getTime() ?? 0;
}

const hits = (path: string) => provider.requests.filter((request) => request.path === path).length;

describe("collectors respect providers' limits", () => {
  it("feeds of one provider share one request budget; another provider's feeds are unaffected", async () => {
    const shared = `shared-${newId("feed")}`;
    const other = `other-${newId("feed")}`;
    const budgetOf = (key: string): ProviderBudget =>
      key === shared ? { requests: 2, windowSeconds: 3_600 } : { requests: 100, windowSeconds: 3_600 };
    const paths = [1, 2, 3].map((n) => `/${shared}/${n}.txt`);
    const feeds = await Promise.all(paths.map((path) => createFeed(shared, path)));
    const unrelated = await createFeed(other, `/${other}/list.txt`);
    const now = new Date();

    const results = [];
    for (const feedId of feeds) results.push(await collect(feedId, now, budgetOf));
    expect(results.map((result) => result.status)).toEqual(["collected", "collected", "failed"]);
    expect(results[2]).toMatchObject({ reason: "rate-limited" });
    // The third feed never reached the provider, and waits for the budget window.
    expect(hits(paths[2] ?? "")).toBe(0);
    expect(await nextFetchAt(feeds[2] ?? "")).toBeGreaterThanOrEqual(now.getTime() + 3_000_000);

    expect((await collect(unrelated, now, budgetOf)).status).toBe("collected");
  });

  it("a 429 with Retry-After fails the run, backs off that long and holds back the provider's other feeds", async () => {
    const name = `throttled-${newId("feed")}`;
    const limitedPath = `/${name}/limited.txt`;
    const limited = await createFeed(name, limitedPath);
    const sibling = await createFeed(name, `/${name}/sibling.txt`);
    const elsewhere = await createFeed(`calm-${newId("feed")}`, `/calm-${newId("feed")}/list.txt`);
    provider.route(limitedPath, (response) =>
      response.writeHead(429, { "content-type": "text/plain", "retry-after": "1800" }).end("slow down"),
    );
    const now = new Date();

    const throttled = await collect(limited, now);
    expect(throttled).toMatchObject({ status: "failed", reason: "rate-limited" });
    expect(await nextFetchAt(limited)).toBeGreaterThanOrEqual(now.getTime() + 1_800_000);

    const held = await collect(sibling, now);
    expect(held).toMatchObject({ status: "failed", reason: "rate-limited" });
    expect(hits(`/${name}/sibling.txt`)).toBe(0);

    expect((await collect(elsewhere, now)).status).toBe("collected");
  });

  it("an admin's collect-now within the source's minimum interval does not fetch", async () => {
    const name = `interval-${newId("feed")}`;
    const path = `/${name}/list.txt`;
    const feedId = await createFeed(name, path, 3_600);
    const first = new Date();
    expect((await collect(feedId, first)).status).toBe("collected");

    const soon = new Date(first.getTime() + 60_000);
    // Mark the run done so that the feed can be claimed again, then ask for it now.
    await dbs.admin.pool.query(
      "update feed_collector_state set claimed_run_id = null, claimed_until = null where feed_id = $1",
      [feedId],
    );
    expect(await requestCollection(dbs.ingest.db, feedId, soon)).toBe(true);
    const again = await collect(feedId, soon);
    expect(again).toMatchObject({ status: "failed", reason: "rate-limited" });
    expect(hits(path)).toBe(1);
    expect(await nextFetchAt(feedId)).toBeGreaterThanOrEqual(first.getTime() + 3_600_000);
  });
});
