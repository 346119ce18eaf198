import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newId } from "@threatfusion/core";
import type { TestTenantTree } from "@threatfusion/db/testing";
import type { FeedChunkMessage } from "@threatfusion/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../index.ts";
import { adminQuery, createTestTenantTree } from "../testing/index.ts";

let tree: TestTenantTree;
const feeds: string[] = [];

beforeAll(async () => {
  tree = await createTestTenantTree("chunks");
});
afterAll(async () => {
  await adminQuery("delete from feeds where id = any($1::text[])", [feeds]);
  await tree.cleanup();
});

/** A feed (global, or private to a tenant) with a running run, as the cron's claim leaves it. */
async function openRun(tenantId: string | null = null): Promise<{ feedId: string; runId: string }> {
  const sourceId = newId("source");
  const feedId = newId("feed");
  const runId = newId("feedRun");
  await adminQuery("insert into sources (id, tenant_id, name, reliability) values ($1, $2, $3, 'A')", [
    sourceId,
    tenantId,
    `chunk test ${sourceId}`,
  ]);
  await adminQuery(
    "insert into feeds (id, tenant_id, source_id, name, url, format, enabled) values ($1, $2, $3, $4, 'http://127.0.0.1:9/x', 'text', false)",
    [feedId, tenantId, sourceId, `chunk test ${feedId}`],
  );
  await adminQuery("insert into feed_runs (id, feed_id, tenant_id, status) values ($1, $2, $3, 'running')", [
    runId,
    feedId,
    tenantId,
  ]);
  feeds.push(feedId);
  return { feedId, runId };
}

function chunk(run: { feedId: string; runId: string }, number: number, values: string[]): FeedChunkMessage {
  return {
    kind: "feed-chunk",
    runId: run.runId,
    feedId: run.feedId,
    chunk: number,
    observedAt: "2026-11-25T12:00:00.000Z",
    indicators: values.map((value, index) => ({
      type: "ipv4",
      value,
      tags: ["test"],
      context: { threatType: "botnet_cc" },
      line: number * 10 + index + 1,
    })),
    rejected: number === 0 ? [{ line: 3, reason: "not an indicator", raw: "hello" }] : [],
  };
}

async function deliver(bodies: FeedChunkMessage[], bindings: Env = env, attempts = 1) {
  const batch = createMessageBatch(
    "tf-ingest",
    bodies.map((body, index) => ({
      id: `${body.runId}-${body.chunk}-${index}`,
      timestamp: new Date(),
      attempts,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}

async function ledger(runId: string) {
  return adminQuery<{ chunks: string; new: string }>(
    "select count(*)::text as chunks, coalesce(sum(indicators_new), 0)::text as new from ingest_chunks where run_id = $1",
    [runId],
  );
}

describe("feed chunks on the ingest queue", () => {
  it("applies a redelivered batch once: no double counting in the ledger, the run or the catalog", async () => {
    const run = await openRun();
    const values = ["203.0.113.41", "203.0.113.42", "203.0.113.43"];
    const bodies = [chunk(run, 0, values.slice(0, 2)), chunk(run, 1, values.slice(2))];
    for (let delivery = 0; delivery < 2; delivery++) {
      const result = await deliver(bodies);
      expect(result.explicitAcks).toHaveLength(2);
      expect(result.retryMessages).toEqual([]);
    }
    expect(await ledger(run.runId)).toEqual([{ chunks: "2", new: "3" }]);
    await adminQuery("update feed_runs set chunks_expected = 2, rows_rejected = 1 where id = $1", [
      run.runId,
    ]);
    // A third delivery (a replay) finds the run complete and finishes it, once.
    await deliver(bodies);
    const [row] = await adminQuery(
      "select status, indicators_new, indicators_unchanged, chunks_done from feed_runs where id = $1",
      [run.runId],
    );
    expect(row).toEqual({ status: "partial", indicators_new: 3, indicators_unchanged: 0, chunks_done: 2 });
    const observations = await adminQuery(
      `select count(*)::int as n, max(o.report_count) as reports from observations o join feeds f on f.source_id = o.source_id where f.id = $1`,
      [run.feedId],
    );
    expect(observations).toEqual([{ n: 3, reports: 1 }]);
  });

  it("loses nothing when processing dies mid-batch: the retry applies the rest and skips what committed", async () => {
    const globalRun = await openRun();
    const privateRun = await openRun(tree.clientAId);
    const bodies = [
      chunk(globalRun, 0, ["198.51.100.201"]),
      chunk(privateRun, 0, ["198.51.100.202", "198.51.100.203"]),
    ];
    // The global chunk commits through the ingestion role; the private one dies (its database is unreachable).
    const broken = { ...env, DATABASE_URL: "postgres://tf_app:wrong@127.0.0.1:1/nowhere" } as Env;
    const failed = await deliver(bodies, broken);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages).toHaveLength(2);
    expect(await ledger(privateRun.runId)).toEqual([{ chunks: "0", new: "0" }]);

    const retried = await deliver(bodies, env, 2);
    expect(retried.explicitAcks).toHaveLength(2);
    expect(await ledger(globalRun.runId)).toEqual([{ chunks: "1", new: "1" }]);
    expect(await ledger(privateRun.runId)).toEqual([{ chunks: "1", new: "2" }]);
    const privateRows = await adminQuery(
      "select value from private_indicators where tenant_id = $1 and value like '198.51.100.20%' order by value",
      [tree.clientAId],
    );
    expect(privateRows.map((row) => row.value)).toEqual(["198.51.100.202", "198.51.100.203"]);
    // Private indicators never reach the global catalog.
    expect(await adminQuery("select 1 from indicators where value = '198.51.100.202'")).toEqual([]);
  });

  it("stores dead-lettered messages once for admins", async () => {
    const body = { kind: "feed-chunk", runId: "run_dead", feedId: "fed_dead", chunk: 4 };
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch("tf-ingest-dlq", [
        { id: "dead-1", timestamp: new Date(), attempts: 6, body },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead-1"]);
    }
    const rows = await adminQuery(
      "select kind, run_id, attempts from ingest_dead_letters where message_id = 'dead-1'",
    );
    expect(rows).toEqual([{ kind: "feed-chunk", run_id: "run_dead", attempts: 6 }]);
  });
});
