import { newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { scoreChangedIndicators } from "../scoring/pipeline.ts";
import { openGlobalFeedRun, useOwnTestDatabase } from "../testing/own-database.ts";
import { type IndicatorChange, onIndicatorsChanged } from "./after-indicators-changed.ts";
import { applyFeedChunks } from "./apply-chunks.ts";
import { handOffChanges } from "./hand-off.ts";
import type { FeedChunkMessage } from "./messages.ts";

const suite = useOwnTestDatabase();

function chunk(
  run: { runId: string; feedId: string },
  number: number,
  rows: [string, string][],
): FeedChunkMessage {
  return {
    kind: "feed-chunk",
    runId: run.runId,
    feedId: run.feedId,
    chunk: number,
    observedAt: "2026-11-20T10:00:00.000Z",
    indicators: rows.map(([type, value], line) => ({
      type: type as FeedChunkMessage["indicators"][number]["type"],
      value,
      tags: [],
      context: {},
      line,
    })),
    rejected: [],
  };
}

describe("applying the chunks of one delivery", () => {
  it("counts a key repeated across chunks once, in the first chunk, and keeps a value under two types apart", async () => {
    const run = await openGlobalFeedRun(suite.dbs);
    const value = `${newId("job").slice(-8).toLowerCase()}.example.net`;
    const other = `other-${value}`;
    // One group (parallelism 1), so both chunks share one attribution.
    await applyFeedChunks({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db, parallelism: 1 }, [
      chunk(run, 0, [
        ["domain", value],
        ["domain", value],
        ["url", value],
      ]),
      chunk(run, 1, [
        ["domain", value],
        ["domain", other],
      ]),
    ]);
    const { rows } = await suite.dbs.admin.db.execute<{
      chunk: number;
      indicators: number;
      indicators_new: number;
      indicators_unchanged: number;
      touched: number;
    }>(sql`
      select chunk, indicators, indicators_new, indicators_unchanged, cardinality(touched_ids) as touched
      from ingest_chunks where run_id = ${run.runId} order by chunk`);
    expect(rows).toEqual([
      { chunk: 0, indicators: 3, indicators_new: 2, indicators_unchanged: 0, touched: 2 },
      { chunk: 1, indicators: 2, indicators_new: 1, indicators_unchanged: 0, touched: 1 },
    ]);
    const { rows: stored } = await suite.dbs.admin.db.execute<{ type: string }>(
      sql`select type from indicators where value = ${value} order by type`,
    );
    expect(stored.map((row) => row.type)).toEqual(["domain", "url"]);
  });

  it("hands off from memory what it would read from the ledger, and marks the rows it inserted scored", async () => {
    const run = await openGlobalFeedRun(suite.dbs);
    const suffix = newId("job").slice(-8).toLowerCase();
    const deps = { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db };
    const first = await applyFeedChunks(deps, [chunk(run, 0, [["domain", `a-${suffix}.example.net`]])]);
    await handOffChanges({ ...deps, notifyTenants: async () => undefined }, first.runIds, first.applied);
    const later = { runId: run.runId, feedId: run.feedId };
    const message = chunk(later, 1, [
      ["domain", `a-${suffix}.example.net`],
      ["domain", `b-${suffix}.example.net`],
    ]);
    // A later sighting of the first row: the upsert changes it.
    const [seenAgain] = message.indicators;
    if (seenAgain !== undefined) seenAgain.lastSeen = "2026-11-21T10:00:00.000Z";
    const changes: IndicatorChange[] = [];
    const stop = onIndicatorsChanged(async (change) => void changes.push(change), "test");
    try {
      const applied = await applyFeedChunks(deps, [message]);
      const { rows } = await suite.dbs.admin.db.execute<{ id: string; value: string }>(
        sql`select id, value::text as value from indicators where value like ${`%-${suffix}.example.net`}`,
      );
      const idOf = new Map(rows.map((row) => [row.value, row.id]));
      const { rows: ledger } = await suite.dbs.admin.db.execute<{ touched_ids: string[] }>(
        sql`select touched_ids from ingest_chunks where run_id = ${run.runId} and chunk = 1`,
      );
      expect(applied.applied.touchedByChunk.get(`${run.runId}:1`)).toEqual(ledger[0]?.touched_ids);
      await handOffChanges(
        { ...deps, notifyTenants: async () => undefined },
        applied.runIds,
        applied.applied,
      );
      const change = changes[0];
      expect(change?.scope).toBe("global");
      expect([...(change?.indicatorIds ?? [])].sort()).toEqual(
        [idOf.get(`a-${suffix}.example.net`), idOf.get(`b-${suffix}.example.net`)].sort(),
      );
      // Only the row this delivery changed keeps its stale-score check; the one it inserted came scored.
      expect(change?.scope === "global" ? change.mayBeStale : []).toEqual([
        idOf.get(`a-${suffix}.example.net`),
      ]);
    } finally {
      stop();
    }
  });

  it("hands on a stored row that a second feed corroborated without changing it, and its confidence rises", async () => {
    const deps = { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db };
    const noTenants = { ...deps, notifyTenants: async () => undefined };
    const value = `corroborated-${newId("job").slice(-8).toLowerCase()}.example.net`;
    const stored = async () => {
      const { rows } = await suite.dbs.admin.db.execute<{
        id: string;
        confidence: number;
        sources: number;
      }>(sql`
        select i.id, i.score_confidence as confidence,
          (select count(*) from observations o where o.indicator_id = i.id)::int as sources
        from indicators i where i.value = ${value}`);
      return rows[0];
    };
    const first = await applyFeedChunks(deps, [
      chunk(await openGlobalFeedRun(suite.dbs), 0, [["domain", value]]),
    ]);
    await handOffChanges(noTenants, first.runIds, first.applied);
    const before = await stored();
    // Same dates, same reliability, no tags: the second feed leaves the catalog row as it was.
    const second = await openGlobalFeedRun(suite.dbs);
    const changes: IndicatorChange[] = [];
    const stop = onIndicatorsChanged(async (change) => void changes.push(change), "test");
    try {
      const applied = await applyFeedChunks(deps, [chunk(second, 0, [["domain", value]])]);
      // Counted unchanged (the catalog row is), and in the ledger's ids until the hand-off clears them.
      const { rows: ledger } = await suite.dbs.admin.db.execute<{
        unchanged: number;
        touched_ids: string[];
      }>(sql`
        select indicators_unchanged as unchanged, touched_ids from ingest_chunks where run_id = ${second.runId}`);
      expect(ledger).toEqual([{ unchanged: 1, touched_ids: [before?.id] }]);
      await handOffChanges(noTenants, applied.runIds, applied.applied);
    } finally {
      stop();
    }
    expect(changes.map((change) => change.indicatorIds)).toEqual([[before?.id]]);
    expect(changes[0]?.scope === "global" ? changes[0].mayBeStale : null).toEqual([before?.id]);
    await scoreChangedIndicators(deps, [before?.id ?? ""], Date.now());
    const after = await stored();
    expect(after?.sources).toBe(2);
    expect(after?.confidence ?? 0).toBeGreaterThan(before?.confidence ?? 0);
  });

  it("hands off a chunk another invocation applied from the ledger", async () => {
    const run = await openGlobalFeedRun(suite.dbs);
    const value = `${newId("job").slice(-8).toLowerCase()}.example.org`;
    const deps = { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db };
    await applyFeedChunks(deps, [chunk(run, 0, [["domain", value]])]);
    const changes: IndicatorChange[] = [];
    const stop = onIndicatorsChanged(async (change) => void changes.push(change), "test");
    try {
      // As after a failed hand-off: nothing in memory, the ledger row is read.
      await handOffChanges({ ...deps, notifyTenants: async () => undefined }, [run.runId]);
      const { rows } = await suite.dbs.admin.db.execute<{ id: string }>(
        sql`select id from indicators where value = ${value}`,
      );
      expect(changes.map((change) => change.indicatorIds)).toEqual([[rows[0]?.id]]);
      expect(changes[0]?.scope === "global" ? changes[0].mayBeStale : "private").toBeUndefined();
    } finally {
      stop();
    }
  });

  it("rolls back only a lane's failing group, starts no group after it, and the retry applies the rest once", async () => {
    const run = await openGlobalFeedRun(suite.dbs);
    const suffix = newId("job").slice(-8).toLowerCase();
    // Eight chunks of two rows, one group each (groupIndicators 1), written by two lanes one group after another.
    const messages = Array.from({ length: 8 }, (_, number) =>
      chunk(run, number, [
        ["domain", `${number}a-${suffix}.example.net`],
        ["domain", `${number}b-${suffix}.example.net`],
      ]),
    );
    const deps = {
      ingestDb: suite.dbs.ingest.db,
      appDb: suite.dbs.app.db,
      parallelism: 2,
      groupIndicators: 1,
    };
    let calls = 0;
    await expect(
      applyFeedChunks(
        {
          ...deps,
          beforeCommit: async () => {
            calls++;
            if (calls === 2) throw new Error("lane died");
            await new Promise((resolve) => setTimeout(resolve, 30));
          },
        },
        messages,
      ),
    ).rejects.toThrow("lane died");
    const ledger = async () =>
      (
        await suite.dbs.admin.db.execute<{ chunk: number; indicators: number; indicators_new: number }>(sql`
          select chunk, indicators, indicators_new from ingest_chunks where run_id = ${run.runId} order by chunk`)
      ).rows;
    // The failing group wrote nothing, every group that reached its commit otherwise committed, and the lanes
    // stopped: without the stop all eight groups would reach their commit. (The failure is known once its
    // rollback is done, so the other lane may finish a group or two meanwhile; each holds its commit 30 ms.)
    const committed = await ledger();
    expect(calls).toBeLessThan(messages.length);
    expect(committed).toHaveLength(calls - 1);
    const retried = await applyFeedChunks(deps, messages);
    const done = new Set(committed.map((row) => `${run.runId}:${row.chunk}`));
    expect([...retried.outcomes.entries()].sort()).toEqual(
      messages
        .map((message) => `${message.runId}:${message.chunk}`)
        .map((key) => [key, done.has(key) ? "duplicate" : "applied"])
        .sort(),
    );
    expect(await ledger()).toEqual(
      messages.map((message) => ({ chunk: message.chunk, indicators: 2, indicators_new: 2 })),
    );
    const { rows } = await suite.dbs.admin.db.execute<{ rows: number; observations: number }>(sql`
      select count(*)::int as rows, (select count(*)::int from observations o join indicators i on i.id = o.indicator_id
        where i.value like ${`%-${suffix}.example.net`}) as observations
      from indicators where value like ${`%-${suffix}.example.net`}`);
    expect(rows[0]).toEqual({ rows: 16, observations: 16 });
  });

  it("keeps two deliveries applied at once to the writers of one: a lane waits for a free writer", async () => {
    const suffix = newId("job").slice(-8).toLowerCase();
    const delivery = async (label: string) => {
      const run = await openGlobalFeedRun(suite.dbs);
      return Array.from({ length: 4 }, (_, number) =>
        chunk(run, number, [["domain", `${label}${number}-${suffix}.example.net`]]),
      );
    };
    const [first, second] = [await delivery("a"), await delivery("b")];
    let inside = 0;
    let most = 0;
    const deps = {
      ingestDb: suite.dbs.ingest.db,
      appDb: suite.dbs.app.db,
      parallelism: 2,
      groupIndicators: 1,
      // Each group holds its transaction a while, so groups of both deliveries would overlap without the limit.
      beforeCommit: async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inside--;
      },
    };
    const results = await Promise.all([applyFeedChunks(deps, first), applyFeedChunks(deps, second)]);
    expect(most).toBe(2);
    for (const result of results)
      expect([...result.outcomes.values()]).toEqual(["applied", "applied", "applied", "applied"]);
    const { rows } = await suite.dbs.admin.db.execute<{ rows: number }>(
      sql`select count(*)::int as rows from indicators where value like ${`%-${suffix}.example.net`}`,
    );
    expect(rows[0]?.rows).toBe(8);
  });

  it("leaves a row to the stale-score check when another group of the delivery wrote its key beside it", async () => {
    const [first, second] = [await openGlobalFeedRun(suite.dbs), await openGlobalFeedRun(suite.dbs)];
    const suffix = newId("job").slice(-8).toLowerCase();
    const shared = `both-${suffix}.example.com`;
    const alone = `alone-${suffix}.example.com`;
    const alsoAlone = `also-${suffix}.example.com`;
    // Two chunks of equal size: one group each, written at the same time by two sources.
    const applied = await applyFeedChunks(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db, parallelism: 2 },
      [
        chunk(first, 0, [
          ["domain", shared],
          ["domain", alone],
        ]),
        chunk(second, 0, [
          ["domain", shared],
          ["domain", alsoAlone],
        ]),
      ],
    );
    const { rows } = await suite.dbs.admin.db.execute<{ id: string; value: string }>(
      sql`select id, value::text as value from indicators where value like ${`%-${suffix}.example.com`}`,
    );
    const idOf = new Map(rows.map((row) => [row.value, row.id]));
    const touched = [...applied.applied.touchedByChunk.values()].flat();
    const mayBeStale = [...applied.applied.mayBeStaleByChunk.values()].flat();
    // Scored at apply: the rows one group alone inserted; the shared one keeps its stale-score check.
    expect(touched.filter((id) => !mayBeStale.includes(id)).sort()).toEqual(
      [idOf.get(alone), idOf.get(alsoAlone)].sort(),
    );
    expect(mayBeStale).toContain(idOf.get(shared));
  });
});
