import { readFile } from "node:fs/promises";
import { newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { applyFeedChunks } from "../ingestion/apply-chunks.ts";
import type { FeedChunkMessage } from "../ingestion/messages.ts";
import { openGlobalFeedRun, useOwnTestDatabase } from "../testing/own-database.ts";
import { importWarninglists } from "../warninglists/import.ts";
import { scoreCatalog, scoreChangedIndicators, staleCatalogScores } from "./pipeline.ts";

const suite = useOwnTestDatabase();

beforeAll(async () => {
  const url = new URL("../../fixtures/warninglists/amazon-aws.json", import.meta.url);
  await importWarninglists({
    db: suite.dbs.ingest.db,
    lists: [{ id: "amazon-aws", json: JSON.parse(await readFile(url, "utf8")) }],
  });
}, 60_000);

function chunk(run: { runId: string; feedId: string }, values: [string, string][]): FeedChunkMessage {
  return {
    kind: "feed-chunk",
    runId: run.runId,
    feedId: run.feedId,
    chunk: 0,
    observedAt: new Date().toISOString(),
    indicators: values.map(([type, value], line) => ({
      type: type as FeedChunkMessage["indicators"][number]["type"],
      value,
      tags: [],
      context: { threatType: "botnet_cc" },
      line,
    })),
    rejected: [],
  };
}

interface StoredRow extends Record<string, unknown> {
  id: string;
  value: string;
  score: number;
  score_confidence: number | null;
  suppressed: boolean;
  suppression_reasons: { listId: string }[];
  scored: boolean;
  scored_ms: number | null;
}

async function stored(values: readonly string[]): Promise<Map<string, StoredRow>> {
  const { rows } = await suite.dbs.admin.db.execute<StoredRow>(sql`
    select id, value::text as value, score, score_confidence, suppressed, suppression_reasons,
      scored_at is not null as scored, round(extract(epoch from scored_at) * 1000)::float8 as scored_ms
    from indicators where value = any(${sql.param([...values])}::text[])`);
  return new Map(rows.map((row) => [row.value, row]));
}

describe("scoring at ingestion", () => {
  const domain = `c2-${newId("job").slice(-8).toLowerCase()}.example.com`;
  // Inside an AWS range of the fixture list: suppressed with the list as reason from the first write on.
  const awsAddress = "100.20.0.9";
  const plainAddress = "11.22.33.44";

  it("writes new catalog rows once, already scored and suppressed, so the stored re-score finds nothing to change", async () => {
    const run = await openGlobalFeedRun(suite.dbs, "B");
    const message = chunk(run, [
      ["domain", domain],
      ["ipv4", awsAddress],
      ["ipv4", plainAddress],
    ]);
    const deps = { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db };
    await applyFeedChunks(deps, [message]);
    const rows = await stored([domain, awsAddress, plainAddress]);
    expect([...rows.values()].map((row) => row.scored)).toEqual([true, true, true]);
    expect(rows.get(domain)?.score).toBeGreaterThan(0);
    expect(rows.get(awsAddress)).toMatchObject({ suppressed: true });
    expect(rows.get(awsAddress)?.suppression_reasons.map((reason) => reason.listId)).toEqual(["amazon-aws"]);
    expect(rows.get(plainAddress)).toMatchObject({ suppressed: false });
    // Nothing queued for the scheduler: no unscored row is left behind.
    const ids = [...rows.values()].map((row) => row.id);
    const { rows: requested } = await suite.dbs.admin.db.execute(
      sql`select 1 from score_requests where indicator_id = any(${sql.param(ids)}::text[])`,
    );
    expect(requested).toEqual([]);

    // The scoring stage skips them, and a full stored re-score agrees with what ingestion wrote.
    expect(await staleCatalogScores(suite.dbs.ingest.db, ids)).toEqual([]);
    const rescored = await scoreCatalog(suite.dbs.ingest.db, ids, { now: Date.now() });
    expect(rescored).toMatchObject({ examined: 3, changed: 0 });

    // Redelivery changes nothing, not even the scoring time.
    await applyFeedChunks(deps, [message]);
    const again = await stored([domain, awsAddress, plainAddress]);
    expect([...again.values()].map((row) => row.scored_ms)).toEqual(
      [...rows.values()].map((row) => row.scored_ms),
    );
  });

  it("scores consecutive rows that differ in one input each by their own input, as the stored re-score does", async () => {
    const run = await openGlobalFeedRun(suite.dbs, "B");
    const tag = newId("job").slice(-8).toLowerCase();
    const values = [0, 1, 2, 3, 4, 5].map((i) => `seq${i}-${tag}.example.com`);
    const message = chunk(
      run,
      values.map((value) => ["domain", value]),
    );
    const older = new Date(Date.now() - 40 * 86_400_000).toISOString();
    // plain, confident, confident (the same input again), plain, plain but seen long ago, another family
    const contexts = [{}, { confidence: 95 }, { confidence: 95 }, {}, {}, { malwareFamily: "lumma" }];
    message.indicators.forEach((indicator, index) => {
      indicator.context = { threatType: "botnet_cc", ...contexts[index] };
      if (index === 4) {
        indicator.firstSeen = older;
        indicator.lastSeen = older;
      }
    });
    await applyFeedChunks({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, [message]);
    const rows = await stored(values);
    const confidence = values.map((value) => rows.get(value)?.score_confidence);
    expect(confidence[1]).toBe(confidence[2]);
    expect(confidence[1]).not.toBe(confidence[0]);
    expect(confidence[3]).toBe(confidence[0]);
    expect(rows.get(values[4] ?? "")?.score).not.toBe(rows.get(values[3] ?? "")?.score);
    const ids = [...rows.values()].map((row) => row.id);
    expect(await scoreCatalog(suite.dbs.ingest.db, ids, { now: Date.now() })).toMatchObject({
      examined: 6,
      changed: 0,
    });
  });

  it("scores a row repeated in its chunk with more context by its merged input, its neighbours by their own", async () => {
    const run = await openGlobalFeedRun(suite.dbs, "B");
    const tag = newId("job").slice(-8).toLowerCase();
    const values = [0, 1, 2].map((i) => `rep${i}-${tag}.example.com`);
    // Three plain rows with the same observation (the consumer shares one list among them), then the first
    // again with a malware family: the same source twice, merged into that row's observation alone.
    const message = chunk(
      run,
      [...values, values[0] ?? ""].map((value) => ["domain", value]),
    );
    const repeat = message.indicators[3];
    if (repeat !== undefined) repeat.context = { threatType: "botnet_cc", malwareFamily: "lumma" };
    await applyFeedChunks({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, [message]);
    const rows = await stored(values);
    const scores = values.map((value) => rows.get(value)?.score);
    expect(scores[1]).toBe(scores[2]);
    expect(scores[0]).not.toBe(scores[1]);
    const ids = [...rows.values()].map((row) => row.id);
    expect(await scoreCatalog(suite.dbs.ingest.db, ids, { now: Date.now() })).toMatchObject({
      examined: 3,
      changed: 0,
    });
  });

  it("re-scores set-based only the rows a second source corroborated", async () => {
    const before = await stored([domain, plainAddress]);
    const run = await openGlobalFeedRun(suite.dbs, "A");
    const other = `fresh-${newId("job").slice(-8).toLowerCase()}.example.com`;
    await applyFeedChunks({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, [
      chunk(run, [
        ["domain", domain],
        ["domain", other],
      ]),
    ]);
    const ids = [...(await stored([domain, other])).values()].map((row) => row.id);
    const stale = await staleCatalogScores(suite.dbs.ingest.db, ids);
    expect(stale).toEqual([before.get(domain)?.id]);

    const result = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids,
      Date.now(),
    );
    expect(result.global).toMatchObject({ examined: 1, changed: 1 });
    const after = await stored([domain]);
    // Two independent sources: more confidence than the first source alone gave.
    expect(after.get(domain)?.score_confidence ?? 0).toBeGreaterThan(
      before.get(domain)?.score_confidence ?? 0,
    );
  });
});
