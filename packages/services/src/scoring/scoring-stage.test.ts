import { readFile } from "node:fs/promises";
import { AppError } from "@threatfusion/core";
import { dayMs } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { submitFeedback } from "../feedback/submit.ts";
import { listIndicators } from "../indicators/list.ts";
import { seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { importWarninglists } from "../warninglists/import.ts";
import { getIndicatorScore } from "./get-indicator-score.ts";
import { rescoreDue, scoreCatalog } from "./pipeline.ts";
import { updateScoringModel } from "./update-scoring-model.ts";

const suite = useOwnTestDatabase({ tenantTree: "scoring" });

async function fixture(name: string): Promise<unknown> {
  const url = new URL(`../../fixtures/warninglists/${name}.json`, import.meta.url);
  return JSON.parse(await readFile(url, "utf8"));
}

interface StoredGlobal extends Record<string, unknown> {
  id: string;
  value: string;
  score: number;
  score_expired: boolean;
  suppressed: boolean;
  suppression_reasons: { listId: string; listName: string; kind: string; effect: string }[];
  next_ms: number | null;
  updated_ms: number;
  scored_ms: number | null;
}

async function stored(ids: readonly string[]): Promise<Map<string, StoredGlobal>> {
  const { rows } = await suite.dbs.admin.db.execute<StoredGlobal>(sql`
    select id, value::text as value, score, score_expired, suppressed, suppression_reasons,
      round(extract(epoch from score_next_reaction_at) * 1000)::float8 as next_ms,
      round(extract(epoch from updated_at) * 1000)::float8 as updated_ms,
      round(extract(epoch from scored_at) * 1000)::float8 as scored_ms
    from indicators where id = any(${sql.param([...ids])}::text[])`);
  return new Map(rows.map((row) => [row.id, row]));
}

/** Runs the scheduler until no sweep is open (each call walks one page). */
async function drainSweeps(now: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const result = await rescoreDue(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      { now, sweepPage: 5_000 },
    );
    if (result.sweep === null || result.sweep.finished) return;
  }
}

describe("warninglists in the platform", () => {
  it("suppresses every IP of every AWS range once the list is imported, retroactively, with the list as reason", async () => {
    const aws = (await fixture("amazon-aws")) as { name: string; list: string[] };
    const addresses: string[] = [];
    for (const range of aws.list) {
      const [address = ""] = range.split("/");
      if (!ipaddr.isValid(address)) continue;
      const v4 = ipaddr.parse(address).kind() === "ipv4";
      const first = v4
        ? ipaddr.IPv4.networkAddressFromCIDR(range)
        : ipaddr.IPv6.networkAddressFromCIDR(range);
      const last = v4
        ? ipaddr.IPv4.broadcastAddressFromCIDR(range)
        : ipaddr.IPv6.broadcastAddressFromCIDR(range);
      for (const ip of [first, last]) addresses.push(`${v4 ? "ipv4" : "ipv6"}\u0000${ip.toString()}`);
    }
    const unique = [...new Set(addresses)].map((key) => {
      const [type = "", value = ""] = key.split("\u0000");
      return { type, value };
    });
    const outside = { type: "ipv4", value: "1.1.1.1" };
    const catalog = await seedCatalog(suite.dbs, [...unique, outside]);
    const ids = [...catalog.ids.values()];
    const now = Date.now();
    await scoreCatalog(suite.dbs.ingest.db, ids, { now });
    const before = await stored(ids);
    expect([...before.values()].filter((row) => row.suppressed)).toEqual([]);

    const imported = await importWarninglists({
      db: suite.dbs.ingest.db,
      lists: [{ id: "amazon-aws", json: aws }],
    });
    expect(imported.imported).toEqual(["amazon-aws"]);
    expect(imported.sweepId).not.toBeNull();
    await drainSweeps(now + 1_000);

    const after = await stored(ids);
    const outsideId = catalog.ids.get(outside.value) ?? "";
    const inRanges = [...after.values()].filter((row) => row.id !== outsideId);
    expect(inRanges.length).toBeGreaterThan(7_000);
    expect(inRanges.filter((row) => !row.suppressed).map((row) => row.value)).toEqual([]);
    for (const row of inRanges) {
      expect(row.suppression_reasons).toContainEqual(
        expect.objectContaining({
          listId: "amazon-aws",
          listName: aws.name,
          kind: "warninglist",
          effect: "suppress",
        }),
      );
      // Leaving the active set moves the row's version forward: blocklist `since` readers see the removal.
      expect(row.updated_ms).toBeGreaterThan(before.get(row.id)?.updated_ms ?? Number.POSITIVE_INFINITY);
    }
    expect(after.get(outsideId)?.suppressed).toBe(false);
  }, 120_000);

  it("writes nothing when the same list is imported again", async () => {
    const result = await importWarninglists({
      db: suite.dbs.ingest.db,
      lists: [{ id: "amazon-aws", json: await fixture("amazon-aws") }],
    });
    expect(result).toMatchObject({ imported: [], unchanged: ["amazon-aws"], sweepId: null });
  });

  it("flags and suppresses a private address as reserved even without the RFC 1918 list", async () => {
    const catalog = await seedCatalog(suite.dbs, [{ type: "ipv4", value: "10.1.2.3" }]);
    const id = catalog.ids.get("10.1.2.3") ?? "";
    await scoreCatalog(suite.dbs.ingest.db, [id], { now: Date.now() });
    const row = (await stored([id])).get(id);
    expect(row?.suppressed).toBe(true);
    expect(row?.suppression_reasons).toContainEqual(
      expect.objectContaining({ kind: "reserved", listName: "Reserved range: private (RFC 1918)" }),
    );
  });

  it("refuses a list that is not a warninglist, and a bad list id", async () => {
    const result = await importWarninglists({
      db: suite.dbs.ingest.db,
      lists: [
        { id: "broken", json: { name: "x" } },
        { id: "../etc", json: await fixture("rfc1918") },
      ],
    });
    expect(result.imported).toEqual([]);
    expect(result.rejected.map((entry) => entry.id)).toEqual(["broken", "../etc"]);
  });
});

describe("the scheduled re-score", () => {
  it("rewrites only the rows whose reaction point has come, and nothing on a second run", async () => {
    const t0 = Date.now();
    const catalog = await seedCatalog(suite.dbs, [
      { type: "ipv4", value: "45.33.32.156", lastSeen: new Date(t0 - 10 * dayMs).toISOString() },
      { type: "ipv4", value: "45.33.32.157", lastSeen: new Date(t0 - dayMs).toISOString() },
      { type: "sha256", value: "a".repeat(64), lastSeen: new Date(t0).toISOString() },
    ]);
    const ids = [...catalog.ids.values()];
    // Settle everything (this suite's earlier rows too) at t0.
    await rescoreDue({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, { now: t0 });
    const quiet = await rescoreDue({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, { now: t0 });
    expect(quiet.due.changed).toBe(0);

    const later = t0 + 12 * dayMs;
    const { rows: due } = await suite.dbs.admin.db.execute<{ id: string }>(
      sql`select id from indicators where score_next_reaction_at <= ${new Date(later).toISOString()}::timestamptz`,
    );
    const dueIds = new Set(due.map((row) => row.id));
    const beforeAll = await stored(ids);
    const run = await rescoreDue({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, { now: later });
    expect(run.due.examined).toBe(dueIds.size);
    expect(run.due.changedIds.every((id) => dueIds.has(id))).toBe(true);
    const after = await stored(ids);
    const ip10 = catalog.ids.get("45.33.32.156") ?? "";
    const hash = catalog.ids.get("a".repeat(64)) ?? "";
    // 22 days after its last sighting an IP (30-day lifetime) has decayed below the threshold: expired.
    expect(after.get(ip10)).toMatchObject({ score: 0, score_expired: true, next_ms: null });
    // The hash (730-day lifetime) was not due: untouched.
    expect(after.get(hash)?.scored_ms).toBe(beforeAll.get(hash)?.scored_ms);
    expect(after.get(hash)?.updated_ms).toBe(beforeAll.get(hash)?.updated_ms);

    const again = await rescoreDue(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      { now: later },
    );
    expect(again.due.changed).toBe(0);
  }, 60_000);
});

describe("tenant feedback", () => {
  it("drops a tenant's score at once on a false positive, and the global score only once k tenants agree", async () => {
    const catalog = await seedCatalog(suite.dbs, [{ type: "domain", value: "feedback-target.example.org" }]);
    const id = catalog.ids.get("feedback-target.example.org") ?? "";
    const now = Date.now();
    await scoreCatalog(suite.dbs.ingest.db, [id], { now });
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    const globalBefore = (await getIndicatorScore({ ctx: clientA, input: { id } })).global.score;
    expect(globalBefore).toBeGreaterThan(20);

    const view = await submitFeedback({
      ctx: clientA,
      input: { indicatorId: id, verdict: "false_positive" },
    });
    expect(view.status).toBe("false_positive");
    expect(view.tenant?.score).toBeLessThan(globalBefore);
    expect(view.tenant?.explanation?.summary).toContain("marked false positive by your team");
    // Still searchable (with its reason), but out of the active set that exports and blocklists read.
    const listed = await listIndicators({ ctx: clientA, input: { filter: { ids: [id] }, limit: 10 } });
    expect(listed.items.map((item) => [item.status, item.suppressedReason, item.score])).toEqual([
      ["false_positive", "false_positive", view.tenant?.score],
    ]);
    const active = await listIndicators({
      ctx: clientA,
      input: { filter: { ids: [id], includeSuppressed: false }, limit: 10 },
    });
    expect(active.items).toEqual([]);

    const scheduler = { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db };
    await rescoreDue(scheduler, { now: now + 1_000 });
    expect((await getIndicatorScore({ ctx: clientA, input: { id } })).global.score).toBe(globalBefore);
    await submitFeedback({
      ctx: userContext(suite.dbs, suite.tree, "clientB"),
      input: { indicatorId: id, verdict: "false_positive" },
    });
    await rescoreDue(scheduler, { now: now + 2_000 });
    expect((await getIndicatorScore({ ctx: clientA, input: { id } })).global.score).toBe(globalBefore);
    await submitFeedback({
      ctx: userContext(suite.dbs, suite.tree, "mssp"),
      input: { indicatorId: id, verdict: "false_positive" },
    });
    await rescoreDue(scheduler, { now: now + 3_000 });
    const global = (
      await getIndicatorScore({ ctx: userContext(suite.dbs, suite.tree, "clientB"), input: { id } })
    ).global;
    expect(global.score).toBeLessThan(globalBefore);
    expect(global.explanation?.summary).toContain("marked false positive by 3 of 3 tenants");
    expect(JSON.stringify(global)).not.toContain(suite.tree.clientAId);
  }, 60_000);
});

describe("the model as data", () => {
  it("lets the MSSP tune it, refuses clients and invalid edits, and re-scores the MSSP's clients", async () => {
    const catalog = await seedCatalog(suite.dbs, [
      { type: "url", value: "http://tuning.example.net/payload.bin" },
    ]);
    const id = catalog.ids.get("http://tuning.example.net/payload.bin") ?? "";
    const now = Date.now();
    await scoreCatalog(suite.dbs.ingest.db, [id], { now });
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    const confirmed = await submitFeedback({
      ctx: clientA,
      input: { indicatorId: id, verdict: "confirmed" },
    });
    const scoreBefore = confirmed.tenant?.score ?? 0;

    await expect(updateScoringModel({ ctx: clientA, input: { settings: {} } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const mssp = userContext(suite.dbs, suite.tree, "mssp");
    const invalid = await updateScoringModel({
      ctx: mssp,
      input: { settings: { sourceReliability: { [catalog.sourceId]: "Z" } } },
    }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(AppError);
    expect(invalid).toMatchObject({
      code: "VALIDATION_FAILED",
      details: { errors: [{ path: `sourceReliability.${catalog.sourceId}` }] },
    });

    const updated = await updateScoringModel({
      ctx: mssp,
      input: { settings: { sourceReliability: { [catalog.sourceId]: "A" } }, expectedVersion: 0 },
    });
    expect(updated.version).toBe(1);
    expect(updated.model.sourceReliability[catalog.sourceId]).toBe("A");
    await rescoreDue({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, { now: now + 1_000 });
    const after = await getIndicatorScore({ ctx: clientA, input: { id } });
    expect(after.tenant?.score).toBeGreaterThanOrEqual(scoreBefore);
    expect(after.tenant?.explanation?.summary).toContain("reliability A");
    // The global score keeps the platform's model.
    expect(after.global.explanation?.summary).toContain("reliability B");
  }, 60_000);
});
