import { beforeAll, describe, expect, it } from "vitest";
import { getIndicatorScore } from "../scoring/get-indicator-score.ts";
import { rescoreDue, scoreCatalog } from "../scoring/pipeline.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { importWarninglists } from "./import.ts";
import { claimWarninglistRefresh, runWarninglistRefresh } from "./schedule.ts";

const suite = useOwnTestDatabase({ tenantTree: "warninglist-refresh" });

let catalog: SeededCatalog;

const listId = "test-hosting-ranges";
const inRange = "198.100.20.5";
const newlyListed = "203.55.10.9";

/** A warninglist in MISP's JSON format whose entries the test changes between refreshes. */
function listJson(entries: string[], version: number) {
  return {
    name: "Test hosting ranges",
    description: "Ranges of a hosting provider (test list)",
    version,
    type: "cidr",
    matching_attributes: ["ip-src", "ip-dst"],
    category: "false-positive",
    list: entries,
  };
}

/** Fake of the MISP repository's raw-file HTTP server (the real one is not reachable from tests). */
function fakeMispRepository(entries: string[], version: number): typeof fetch {
  return async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    return url.endsWith(`/${listId}/list.json`)
      ? Response.json(listJson(entries, version))
      : new Response("not found", { status: 404 });
  };
}

beforeAll(async () => {
  await importWarninglists({
    db: suite.dbs.ingest.db,
    lists: [{ id: listId, json: listJson(["198.100.0.0/16"], 1) }],
  });
  // The import's own sweep is not what this suite tests: close it so that only the refresh's sweep runs.
  await suite.dbs.admin.pool.query("update scoring_sweeps set finished_at = now()");
  catalog = await seedCatalog(suite.dbs, [
    { type: "ipv4", value: inRange },
    { type: "ipv4", value: newlyListed },
  ]);
  await scoreCatalog(suite.dbs.ingest.db, [...catalog.ids.values()], { now: Date.now() });
}, 60_000);

async function suppressed(value: string): Promise<boolean> {
  const score = await getIndicatorScore({
    ctx: userContext(suite.dbs, suite.tree, "clientA"),
    input: { id: catalog.ids.get(value) ?? "" },
  });
  return score.suppressed;
}

describe("scheduled warninglist refresh", () => {
  it("is claimed once per interval, however many ticks ask", async () => {
    const now = new Date();
    const claims = await Promise.all([
      claimWarninglistRefresh({ db: suite.dbs.ingest.db, now }),
      claimWarninglistRefresh({ db: suite.dbs.ingest.db, now }),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(
      await claimWarninglistRefresh({ db: suite.dbs.ingest.db, now: new Date(now.getTime() + 60_000) }),
    ).toBe(false);
    expect(
      await claimWarninglistRefresh({ db: suite.dbs.ingest.db, now: new Date(now.getTime() + 86_400_000) }),
    ).toBe(true);
  });

  it("applies a changed list retroactively: a new entry suppresses stored indicators, a removed one restores them", async () => {
    expect(await suppressed(inRange)).toBe(true);
    expect(await suppressed(newlyListed)).toBe(false);

    const result = await runWarninglistRefresh({
      db: suite.dbs.ingest.db,
      baseUrl: "https://mirror.test/lists",
      fetcher: fakeMispRepository(["203.55.10.0/24"], 2),
    });
    expect(result).toMatchObject({ imported: [listId], failed: [] });
    expect(result.sweepId).not.toBeNull();
    const tick = await rescoreDue(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      { now: Date.now() },
    );
    expect(tick.sweep?.finished).toBe(true);

    expect(await suppressed(inRange)).toBe(false);
    expect(await suppressed(newlyListed)).toBe(true);
  });

  it("writes nothing and starts no sweep when the published list did not change", async () => {
    const result = await runWarninglistRefresh({
      db: suite.dbs.ingest.db,
      baseUrl: "https://mirror.test/lists",
      fetcher: fakeMispRepository(["203.55.10.0/24"], 2),
    });
    expect(result).toMatchObject({ imported: [], unchanged: [listId], sweepId: null });
    const { rows } = await suite.dbs.admin.pool.query<{ last_result: { unchanged: number } }>(
      "select last_result from warninglist_refresh",
    );
    expect(rows[0]?.last_result.unchanged).toBe(1);
  });
});
