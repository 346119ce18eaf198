import { newId } from "@threatfusion/core";
import { connectTestDatabases } from "@threatfusion/db/testing";
import type { FeedDefinitionInput } from "@threatfusion/feeds";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyFeedChunks } from "./apply-chunks.ts";
import { collectFeed } from "./collect.ts";
import { type FakeFeedProvider, startFakeFeedProvider } from "./fake-feed-provider.ts";
import type { FeedChunkMessage } from "./messages.ts";
import { claimDueFeeds, finishRunIfComplete } from "./runs.ts";

const dbs = connectTestDatabases(inject("database"));
let provider: FakeFeedProvider;
const createdFeeds: string[] = [];
// Public addresses unique to this run, so "new" means new to this run whatever else the catalog holds.
const salt = Math.floor(Math.random() * 200) + 20;
const address = (n: number) => `45.${salt}.${Math.floor(n / 250)}.${(n % 250) + 1}`;

beforeAll(async () => {
  provider = await startFakeFeedProvider();
});
afterAll(async () => {
  await dbs.admin.pool.query("delete from feeds where id = any($1::text[])", [createdFeeds]);
  await provider.close();
  await dbs.end();
});

/** A global feed with a stored definition (so it has an incremental kind) fetched from the fake provider. */
async function createIncrementalFeed(
  format: "taxii" | "misp" | "otx",
  incremental: FeedDefinitionInput["incremental"],
  path: string,
) {
  const sourceId = newId("source");
  const feedId = newId("feed");
  const definition = {
    id: `test-${format}`,
    name: `incremental ${format}`,
    provider: "fake provider",
    urls: ["https://feeds.example.com/placeholder"],
    format,
    parser: {},
    cadenceSeconds: 300,
    auth: { kind: "none" },
    licence: { name: "test", attributionRequired: false, commercialUse: "allowed" },
    reliability: "B",
    tlp: "green",
    indicatorTypes: ["ipv4"],
    incremental,
  };
  await dbs.admin.pool.query("insert into sources (id, name, reliability) values ($1, $2, 'B')", [
    sourceId,
    `incremental ${sourceId}`,
  ]);
  await dbs.admin.pool.query(
    "insert into feeds (id, source_id, name, url, format, cadence_seconds, enabled, config) values ($1, $2, $3, $4, $5, 300, false, $6)",
    [
      feedId,
      sourceId,
      `incremental ${feedId}`,
      `${provider.url}${path}`,
      format,
      JSON.stringify({ definition }),
    ],
  );
  createdFeeds.push(feedId);
  return feedId;
}

/** Claims the feed (as if it were due at `now`), collects, applies and finishes the run. */
async function run(feedId: string, now: Date) {
  const [claim] = await claimDueFeeds({ db: dbs.ingest.db, now, feedIds: [feedId] });
  if (!claim) throw new Error("feed was not due");
  const queue: FeedChunkMessage[] = [];
  const result = await collectFeed(
    { db: dbs.ingest.db, fetch, secrets: {}, sendChunk: async (m) => void queue.push(m), now: () => now },
    claim,
  );
  await applyFeedChunks({ ingestDb: dbs.ingest.db, appDb: dbs.app.db }, queue);
  await finishRunIfComplete(dbs.ingest.db, claim.runId, now);
  const values = queue.flatMap((message) => message.indicators.map((indicator) => indicator.value));
  return { result, values };
}

async function storedCursor(feedId: string): Promise<string | null> {
  const { rows } = await dbs.admin.pool.query<{ cursor: string | null }>(
    "select cursor from feed_collector_state where feed_id = $1",
    [feedId],
  );
  return rows[0]?.cursor ?? null;
}

const day = 86_400_000;
const requestsTo = (path: string) => provider.requests.filter((request) => request.path.startsWith(path));

function stixIndicator(value: string) {
  return {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${crypto.randomUUID()}`,
    created: "2026-11-20T10:00:00.000Z",
    modified: "2026-11-20T10:00:00.000Z",
    pattern: `[ipv4-addr:value = '${value}']`,
    pattern_type: "stix",
    valid_from: "2026-11-20T10:00:00.000Z",
  };
}

describe("incremental collection: the stored cursor is used and advances only on success", () => {
  it("TAXII 2.1: follows `next` while `more`, then polls with added_after from the last page", async () => {
    const path = `/taxii-${newId("feed")}/collections/c1/objects/`;
    const feedId = await createIncrementalFeed("taxii", { kind: "taxii-added-after" }, path);
    let failing = false;
    provider.route(path, (response) => {
      const url = new URL(provider.requests.at(-1)?.path ?? "/", provider.url);
      if (failing) {
        response.writeHead(503, { "content-type": "text/plain" }).end("down");
        return;
      }
      const page =
        url.searchParams.get("next") === "page-2" ? 2 : url.searchParams.has("added_after") ? 3 : 1;
      const headers = {
        "content-type": "application/taxii+json;version=2.1",
        "x-taxii-date-added-first": `2026-11-2${page}T00:00:00.000Z`,
        "x-taxii-date-added-last": `2026-11-2${page}T12:00:00.000Z`,
      };
      const envelope =
        page === 1
          ? { more: true, next: "page-2", objects: [stixIndicator(address(1))] }
          : { more: false, objects: [stixIndicator(address(page))] };
      response.writeHead(200, headers).end(JSON.stringify(envelope));
    });

    const first = await run(feedId, new Date());
    expect(first.result.status).toBe("collected");
    expect(first.values.sort()).toEqual([address(1), address(2)].sort());
    const firstRequests = requestsTo(path).map((request) => new URL(request.path, provider.url));
    expect(firstRequests.map((url) => url.searchParams.get("next"))).toEqual([null, "page-2"]);
    expect(firstRequests.every((url) => !url.searchParams.has("added_after"))).toBe(true);
    expect(await storedCursor(feedId)).toBe("2026-11-22T12:00:00.000Z");

    failing = true;
    const failed = await run(feedId, new Date(Date.now() + day));
    expect(failed.result.status).toBe("failed");
    expect(await storedCursor(feedId)).toBe("2026-11-22T12:00:00.000Z");

    failing = false;
    const before = requestsTo(path).length;
    const third = await run(feedId, new Date(Date.now() + 30 * day));
    expect(third.values).toEqual([address(3)]);
    const polled = requestsTo(path).slice(before);
    expect(
      polled.map((request) => new URL(request.path, provider.url).searchParams.get("added_after")),
    ).toEqual(["2026-11-22T12:00:00.000Z"]);
    expect(await storedCursor(feedId)).toBe("2026-11-23T12:00:00.000Z");
  });

  it("MISP feed: fetches only the events whose manifest timestamp grew since the last successful run", async () => {
    const base = `/misp-${newId("feed")}`;
    const feedId = await createIncrementalFeed("misp", { kind: "misp-manifest" }, `${base}/manifest.json`);
    const events = [crypto.randomUUID(), crypto.randomUUID()];
    const timestamps = [1_700_000_000, 1_700_000_100];
    provider.route(`${base}/manifest.json`, (response) => {
      const manifest = Object.fromEntries(
        events.map((uuid, i) => [uuid, { info: `event ${i}`, timestamp: String(timestamps[i]), Tag: [] }]),
      );
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(manifest));
    });
    for (const [i, uuid] of events.entries()) {
      provider.route(`${base}/${uuid}.json`, (response) => {
        const event = {
          Event: {
            uuid,
            info: `event ${i}`,
            timestamp: String(timestamps[i]),
            Attribute: [
              { type: "ip-dst", category: "Network activity", to_ids: true, value: address(10 + i) },
            ],
          },
        };
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(event));
      });
    }

    const first = await run(feedId, new Date());
    expect(first.values.sort()).toEqual([address(10), address(11)].sort());
    expect(await storedCursor(feedId)).toBe(String(timestamps[1]));

    // Only the second event changes.
    timestamps[1] = 1_700_000_500;
    const before = provider.requests.length;
    const second = await run(feedId, new Date(Date.now() + day));
    expect(second.values).toEqual([address(11)]);
    const fetched = provider.requests.slice(before).map((request) => request.path);
    expect(fetched).toEqual([`${base}/manifest.json`, `${base}/${events[1]}.json`]);
    expect(await storedCursor(feedId)).toBe("1700000500");
  });

  it("OTX: asks for pulses modified since the last successful run's start", async () => {
    const path = `/otx-${newId("feed")}/api/v1/pulses/subscribed`;
    const feedId = await createIncrementalFeed("otx", { kind: "otx-modified-since" }, path);
    provider.route(path, (response) => {
      const url = new URL(provider.requests.at(-1)?.path ?? "/", provider.url);
      const page = Number(url.searchParams.get("page") ?? "1");
      const pulse = {
        id: `pulse-${page}`,
        name: "test pulse",
        modified: "2026-11-20T10:00:00.000",
        indicators: [{ type: "IPv4", indicator: address(20 + page), created: "2026-11-20T10:00:00" }],
      };
      const next = page === 1 ? `${provider.url}${path}?page=2` : null;
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ results: [pulse], next }));
    });

    const started = new Date();
    const first = await run(feedId, started);
    expect(first.values.sort()).toEqual([address(21), address(22)].sort());
    expect(await storedCursor(feedId)).toBe(started.toISOString());

    const before = provider.requests.length;
    await run(feedId, new Date(started.getTime() + day));
    const firstAsked = new URL(provider.requests[before]?.path ?? "/", provider.url);
    expect(firstAsked.searchParams.get("modified_since")).toBe(started.toISOString());
  });
});
