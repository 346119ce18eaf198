import { newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  catalogExplanation,
  type IndicatorUpsertRow,
  numberArrayLiteral,
  type ObservationUpsertRow,
  textArrayLiteral,
  upsertIndicators,
  upsertObservations,
} from "./bulk.ts";
import { withIngestTx, withTenantTx } from "./tenant-tx.ts";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "./testing.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
const ingest = <T>(fn: Parameters<typeof withIngestTx<T>>[1]) => withIngestTx({ db: dbs.ingest.db }, fn);

let tree: TestTenantTree;
let globalSourceId = "";
let tenantSourceId = "";

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "bulk");
  globalSourceId = newId("source");
  tenantSourceId = newId("source");
  await dbs.admin.pool.query(
    "insert into sources (id, tenant_id, name) values ($1, null, $2), ($3, $4, $5)",
    [
      globalSourceId,
      `bulk global ${globalSourceId}`,
      tenantSourceId,
      tree.clientAId,
      `bulk private ${tenantSourceId}`,
    ],
  );
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

/** Values unique to one test, so parallel suites never share catalog rows. */
function domains(count: number): string[] {
  const prefix = newId("indicator").slice(-12);
  return Array.from({ length: count }, (_, i) => `d${i}.${prefix}.example`);
}

/** The global source's observation of the domain row `indicator(value)` makes. */
function observationOf(value: string, overrides: Partial<ObservationUpsertRow> = {}): ObservationUpsertRow {
  return {
    indicatorType: "domain",
    indicatorValue: value,
    sourceId: globalSourceId,
    firstSeen: "2026-01-10T00:00:00.000Z",
    lastSeen: "2026-01-12T00:00:00.000Z",
    ...overrides,
  };
}

function indicator(value: string, overrides: Partial<IndicatorUpsertRow> = {}): IndicatorUpsertRow {
  return {
    type: "domain",
    value,
    firstSeen: "2026-01-10T00:00:00.000Z",
    lastSeen: "2026-01-12T00:00:00.000Z",
    confidence: 60,
    baseScore: 40,
    tlp: "clear",
    tags: ["phishing"],
    ...overrides,
  };
}

async function stored(value: string) {
  const { rows } = await dbs.admin.pool.query<{
    first_seen: Date;
    last_seen: Date;
    confidence: number | null;
    base_score: number;
    tags: string[];
  }>(
    "select first_seen, last_seen, confidence, base_score, tags from indicators where type = 'domain' and value = $1",
    [value],
  );
  return rows[0];
}

describe("upsertIndicators", () => {
  it("reports new rows with their ids, then the same rows again as unchanged without writing them", async () => {
    const values = domains(20);
    const first = await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    expect(first).toMatchObject({ new: 20, changed: 0, unchanged: 0, rejected: 0 });
    expect(first.touched.map((row) => row.value).sort()).toEqual([...values].sort());
    expect(first.touched.every((row) => /^ind_/.test(row.id) && row.outcome === "new")).toBe(true);
    const { rows: storedIds } = await dbs.admin.pool.query<{ id: string; value: string }>(
      "select id, value from indicators where value = any($1::text[])",
      [values],
    );
    const byValue = (rows: { id: string; value: string }[]) =>
      Object.fromEntries(rows.map((row) => [row.value, row.id]));
    expect(byValue(first.touched)).toEqual(byValue(storedIds));

    const again = await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    expect(again).toEqual({ new: 0, changed: 0, unchanged: 20, rejected: 0, touched: [] });
  });

  it("names exactly the inserted rows of a statement that also met stored rows, changed and unchanged", async () => {
    const values = domains(12);
    // Every third value stored before: in the second call it is unchanged (same row) or changed (later last seen).
    const storedBefore = values.filter((_, index) => index % 3 === 0);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        storedBefore.map((value) => indicator(value)),
      ),
    );
    for (const searchDocuments of [false, true]) {
      const fresh = domains(6);
      const rows = [
        ...values.map((value, index) =>
          indicator(
            value,
            index % 6 === 0 ? { lastSeen: `2026-02-0${1 + (searchDocuments ? 1 : 0)}T00:00:00.000Z` } : {},
          ),
        ),
        ...fresh.map((value) => indicator(value, { searchTerms: ["mixed batch"] })),
      ];
      const result = await ingest((tx) => upsertIndicators(tx, rows, { searchDocuments, batchSize: 7 }));
      const newValues = searchDocuments ? fresh : [...values.filter((_, index) => index % 3 !== 0), ...fresh];
      expect(result.new).toBe(newValues.length);
      const inserted = result.touched.filter((row) => row.outcome === "new");
      expect(inserted.map((row) => row.value).sort()).toEqual([...newValues].sort());
      expect(
        result.touched
          .filter((row) => row.outcome === "changed")
          .map((row) => row.value)
          .sort(),
      ).toEqual(values.filter((_, index) => index % 6 === 0).sort());
      const { rows: storedIds } = await dbs.admin.pool.query<{ id: string; value: string }>(
        "select id, value from indicators where value = any($1::text[])",
        [inserted.map((row) => row.value)],
      );
      const byValue = (list: { id: string; value: string }[]) =>
        Object.fromEntries(list.map((row) => [row.value, row.id]));
      expect(byValue(inserted)).toEqual(byValue(storedIds));
    }
  });

  it("gives a statement's new rows and their observations ids ascending in the order of (type, value)", async () => {
    // Shuffled input: the ids follow the key order the rows are written in, not the caller's order.
    const values = domains(40).sort(() => Math.random() - 0.5);
    await ingest(async (tx) => {
      await upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      );
      await upsertObservations(
        tx,
        values.map((value) => observationOf(value)),
      );
    });
    const { rows } = await dbs.admin.pool.query<{ id: string; observation_id: string }>(
      `select i.id, o.id as observation_id from indicators i join observations o on o.indicator_id = i.id
       where i.value = any($1::text[]) order by i.type, i.value collate "C"`,
      [values],
    );
    expect(rows).toHaveLength(40);
    const ascending = (ids: string[]) => ids.every((id, index) => index === 0 || (ids[index - 1] ?? "") < id);
    expect(ascending(rows.map((row) => row.id))).toBe(true);
    expect(ascending(rows.map((row) => row.observation_id))).toBe(true);
  });

  it("stores columns shared by every row of a batch (sent once) as it stores columns that differ", async () => {
    const shared = domains(3);
    const mixed = domains(3);
    await ingest(async (tx) => {
      await upsertIndicators(tx, [
        ...shared.map((value) => indicator(value, { confidence: null, tags: [] })),
        ...mixed.map((value, index) =>
          indicator(value, { confidence: index === 0 ? null : 70, tags: index === 1 ? ["c2"] : [] }),
        ),
      ]);
      await upsertObservations(tx, [
        ...shared.map((value) => ({
          indicatorType: "domain",
          indicatorValue: value,
          sourceId: globalSourceId,
          firstSeen: "2026-01-10T00:00:00.000Z",
          lastSeen: "2026-01-12T00:00:00.000Z",
          threatType: "botnet_cc",
          context: { reporter: "x" },
        })),
        ...mixed.map((value, index) => ({
          indicatorType: "domain",
          indicatorValue: value,
          sourceId: globalSourceId,
          firstSeen: "2026-01-10T00:00:00.000Z",
          lastSeen: index === 2 ? "2026-01-13T00:00:00.000Z" : "2026-01-12T00:00:00.000Z",
          ...(index === 0 ? { threatType: "botnet_cc" } : {}),
          context: index === 1 ? { reporter: "y" } : {},
        })),
      ]);
    });
    const { rows } = await dbs.admin.pool.query<{
      value: string;
      confidence: number | null;
      tags: string[];
      last_seen: Date;
      threat_type: string | null;
      context: Record<string, string>;
    }>(
      `select i.value, i.confidence, i.tags, o.last_seen, o.threat_type, o.context
       from indicators i join observations o on o.indicator_id = i.id where i.value = any($1::text[])`,
      [[...shared, ...mixed]],
    );
    const byValue = new Map(rows.map((row) => [row.value, row]));
    for (const value of shared)
      expect(byValue.get(value)).toMatchObject({
        confidence: null,
        tags: [],
        last_seen: new Date("2026-01-12T00:00:00.000Z"),
        threat_type: "botnet_cc",
        context: { reporter: "x" },
      });
    expect(mixed.map((value) => byValue.get(value))).toMatchObject([
      { confidence: null, tags: [], threat_type: "botnet_cc", context: {} },
      { confidence: 70, tags: ["c2"], threat_type: null, context: { reporter: "y" } },
      { confidence: 70, tags: [], last_seen: new Date("2026-01-13T00:00:00.000Z"), threat_type: null },
    ]);
  });

  it("merges a changed row: seen range widens, new score and confidence, tags united", async () => {
    const [value = ""] = domains(1);
    await ingest((tx) => upsertIndicators(tx, [indicator(value)]));
    const { rows: before } = await dbs.admin.pool.query("select id from indicators where value = $1", [
      value,
    ]);
    const result = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(value, {
          firstSeen: "2026-01-11T00:00:00.000Z",
          lastSeen: "2026-02-01T00:00:00.000Z",
          confidence: null,
          baseScore: 70,
          tags: ["c2", "phishing"],
        }),
      ]),
    );
    expect(result).toMatchObject({ new: 0, changed: 1, unchanged: 0 });
    expect(result.touched).toEqual([{ id: before[0]?.id, type: "domain", value, outcome: "changed" }]);
    expect(await stored(value)).toEqual({
      first_seen: new Date("2026-01-10T00:00:00.000Z"),
      last_seen: new Date("2026-02-01T00:00:00.000Z"),
      confidence: 60,
      base_score: 70,
      tags: ["c2", "phishing"],
    });
  });

  it("lets two writers insert and merge the same rows at once: each row once, both merges kept", async () => {
    const values = domains(300);
    const writer = (tag: string, lastSeen: string) =>
      ingest((tx) =>
        upsertIndicators(
          tx,
          values.map((value) => indicator(value, { tags: [tag], lastSeen })),
        ),
      );
    const [first, second] = await Promise.all([
      writer("alpha", "2026-02-01T00:00:00.000Z"),
      writer("beta", "2026-03-01T00:00:00.000Z"),
    ]);
    expect((first?.new ?? 0) + (second?.new ?? 0)).toBe(values.length);
    expect((first?.changed ?? 0) + (second?.changed ?? 0)).toBe(values.length);
    // Both again, now merging rows that exist: no deadlock whatever order each writer's rows come in.
    await Promise.all([
      writer("gamma", "2026-02-15T00:00:00.000Z"),
      writer("delta", "2026-01-20T00:00:00.000Z"),
    ]);
    for (const value of [values[0] ?? "", values[values.length - 1] ?? ""]) {
      expect(await stored(value)).toMatchObject({
        last_seen: new Date("2026-03-01T00:00:00.000Z"),
        tags: ["alpha", "beta", "delta", "gamma"],
      });
    }
  });

  it("merges duplicates inside one input the same way (ON CONFLICT cannot touch a row twice)", async () => {
    const [value = ""] = domains(1);
    const result = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(value, { tags: ["b"], lastSeen: "2026-03-01T00:00:00.000Z" }),
        indicator(value, { tags: ["a"], firstSeen: "2025-12-01T00:00:00.000Z" }),
      ]),
    );
    expect(result).toMatchObject({ new: 1, changed: 0, unchanged: 0 });
    expect(await stored(value)).toMatchObject({
      first_seen: new Date("2025-12-01T00:00:00.000Z"),
      last_seen: new Date("2026-03-01T00:00:00.000Z"),
      tags: ["a", "b"],
    });
  });

  it("rejects invalid rows and still writes the valid ones", async () => {
    const [good = ""] = domains(1);
    const result = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(good),
        indicator("x".repeat(2049)),
        indicator("", {}),
        indicator("ok.example", { type: "Not A Type" }),
        // Well-formed, but not a type the catalog admits (0060): rejected, not a failed statement.
        indicator("ok.example", { type: "hostname" }),
        indicator("ok.example", { baseScore: 101 }),
        indicator("ok.example", { lastSeen: "not a date" }),
      ]),
    );
    expect(result).toMatchObject({ new: 1, rejected: 6 });
  });

  it("judges each timestamp alike however often it repeats, in one call and across calls", async () => {
    const values = domains(5);
    const [first = "", second = "", third = "", fourth = "", fifth = ""] = values;
    const monthThirteen = "2026-13-01T00:00:00.000Z";
    const result = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(first, { lastSeen: "not a date" }),
        indicator(second, { lastSeen: "not a date" }),
        indicator(third, { lastSeen: monthThirteen }),
        indicator(fourth, { lastSeen: "2026-01-13T00:00:00.000Z" }),
        indicator(fifth, { lastSeen: "2026-01-13T00:00:00.000Z" }),
      ]),
    );
    expect(result).toMatchObject({ new: 2, rejected: 3 });
    const again = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(first, { lastSeen: monthThirteen }),
        indicator(second, { lastSeen: new Date("2026-01-14T00:00:00.000Z") }),
        indicator(third, { lastSeen: "2026-01-14 00:00:00+00" }),
      ]),
    );
    expect(again).toMatchObject({ new: 2, rejected: 1 });
    expect(await stored(third)).toMatchObject({ last_seen: new Date("2026-01-14T00:00:00.000Z") });
  });

  it("rejects a well-formed timestamp whose day is not in its month alone, and keeps leap days", async () => {
    const [good = "", leapDay = "", bad = "", badObserved = ""] = domains(4);
    const result = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(good, { lastSeen: "2026-04-30T10:00:00Z" }),
        indicator(leapDay, { firstSeen: "2024-02-29T00:00:00Z", lastSeen: "2024-02-29T00:00:00Z" }),
        // Date.parse reads these as 2 March and 1 May; PostgreSQL would refuse the statement.
        indicator(bad, { firstSeen: "2026-02-30T00:00:00Z" }),
        indicator(badObserved, { lastSeen: "2026-04-31T10:00:00.000+02:00" }),
      ]),
    );
    expect(result).toMatchObject({ new: 2, rejected: 2 });
    expect(await stored(leapDay)).toMatchObject({ first_seen: new Date("2024-02-29T00:00:00.000Z") });
    expect(await stored(bad)).toBeUndefined();
  });

  it("writes a new row's document from its tags and distinct terms: none, one, repeated, several", async () => {
    const values = domains(4);
    const termsOf = [[], ["feed a"], ["feed a", "feed a"], ["zeta", "feed a", "", "zeta"]];
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value, index) => ({ ...indicator(value), searchTerms: termsOf[index] ?? [] })),
        { searchDocuments: true },
      ),
    );
    const { rows } = await dbs.admin.pool.query<{ value: string; terms: string }>(
      "select i.value, s.terms from indicator_search s join indicators i on i.id = s.indicator_id where i.value = any($1::text[])",
      [values],
    );
    const byValue = new Map(rows.map((row) => [row.value, row.terms]));
    expect(values.map((value) => byValue.get(value))).toEqual([
      "phishing",
      "phishing feed a",
      "phishing feed a",
      "phishing feed a zeta",
    ]);
  });

  it("leaves the caller's rows as they were when it merges duplicates", async () => {
    const [value = ""] = domains(1);
    const terms = ["feed a"];
    const context = { reporter: "a" };
    const rows = [
      { ...indicator(value), searchTerms: terms },
      { ...indicator(value, { lastSeen: "2026-01-20T00:00:00.000Z" }), searchTerms: ["feed b"] },
    ];
    await ingest(async (tx) => {
      await upsertIndicators(tx, rows, { searchDocuments: true });
      await upsertObservations(tx, [
        {
          indicatorType: "domain",
          indicatorValue: value,
          sourceId: globalSourceId,
          firstSeen: "2026-01-10T00:00:00Z",
          lastSeen: "2026-01-11T00:00:00Z",
          context,
        },
        {
          indicatorType: "domain",
          indicatorValue: value,
          sourceId: globalSourceId,
          firstSeen: "2026-01-10T00:00:00Z",
          lastSeen: "2026-01-12T00:00:00Z",
          context: { family: "b" },
        },
      ]);
    });
    expect(terms).toEqual(["feed a"]);
    expect(context).toEqual({ reporter: "a" });
    const { rows: documents } = await dbs.admin.pool.query(
      "select s.terms from indicator_search s join indicators i on i.id = s.indicator_id where i.value = $1",
      [value],
    );
    expect(documents).toEqual([{ terms: "phishing feed a feed b" }]);
    const { rows: observations } = await dbs.admin.pool.query(
      "select o.context from observations o join indicators i on i.id = o.indicator_id where i.value = $1",
      [value],
    );
    expect(observations).toEqual([{ context: { reporter: "a", family: "b" } }]);
  });

  it("splits large inputs into batches and counts across them", async () => {
    const values = domains(25);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.slice(0, 10).map((value) => indicator(value)),
      ),
    );
    const result = await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value, i) => indicator(value, i < 5 ? { baseScore: 90 } : {})),
        { batchSize: 4 },
      ),
    );
    expect(result).toMatchObject({ new: 15, changed: 5, unchanged: 5, rejected: 0 });
  });

  it("is not available to the application role", async () => {
    const [value = ""] = domains(1);
    await expect(
      withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
        upsertIndicators(tx, [indicator(value)]),
      ),
    ).rejects.toThrow();
    expect(await stored(value)).toBeUndefined();
  });
});

describe("upsertObservations", () => {
  it("removes a deleted source's observations and no other (no foreign key since migration 0056)", async () => {
    const values = domains(2);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    const doomedSourceId = newId("source");
    await dbs.admin.pool.query("insert into sources (id, tenant_id, name) values ($1, null, $2)", [
      doomedSourceId,
      `bulk doomed ${doomedSourceId}`,
    ]);
    const observe = (sourceId: string) =>
      ingest((tx) =>
        upsertObservations(
          tx,
          values.map((value) => observationOf(value, { sourceId })),
        ),
      );
    expect(await observe(doomedSourceId)).toMatchObject({ new: 2 });
    expect(await observe(globalSourceId)).toMatchObject({ new: 2 });
    const countFor = async (sourceId: string) =>
      Number(
        (
          await dbs.admin.pool.query(
            "select count(*) as n from observations o join indicators i on i.id = o.indicator_id where o.source_id = $1 and i.value = any($2::text[])",
            [sourceId, values],
          )
        ).rows[0]?.n,
      );

    await dbs.admin.pool.query("delete from sources where id = $1", [doomedSourceId]);
    expect(await countFor(doomedSourceId)).toBe(0);
    expect(await countFor(globalSourceId)).toBe(2);
    // A source that does not exist (any more) is still refused by the bulk path itself.
    expect(await observe(doomedSourceId)).toMatchObject({ new: 0, rejected: 2 });
  });

  it("removes a deleted catalog row's observations and no other (no foreign key since migration 0065)", async () => {
    const values = domains(2);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    const observed = await ingest((tx) =>
      upsertObservations(
        tx,
        values.map((value) => observationOf(value)),
      ),
    );
    expect(observed).toMatchObject({ new: 2 });
    const [doomedValue, keptValue] = values;
    const observedValues = async () =>
      (
        await dbs.admin.pool.query<{ value: string }>(
          "select i.value from observations o join indicators i on i.id = o.indicator_id where i.value = any($1::text[])",
          [values],
        )
      ).rows.map((row) => row.value);
    const orphans = async () =>
      Number(
        (
          await dbs.admin.pool.query<{ n: string }>(
            "select count(*) as n from observations o where o.id = any($1::text[]) and not exists (select 1 from indicators i where i.id = o.indicator_id)",
            [observed.touched.map((row) => row.id)],
          )
        ).rows[0]?.n,
      );

    await dbs.admin.pool.query("delete from indicators where type = 'domain' and value = $1", [doomedValue]);
    expect(await observedValues()).toEqual([keptValue]);
    expect(await orphans()).toBe(0);
    // A catalog row that does not exist (any more) is still refused by the bulk path itself.
    const again = await ingest((tx) =>
      upsertObservations(tx, [
        {
          indicatorType: "domain",
          indicatorValue: doomedValue ?? "",
          sourceId: globalSourceId,
          firstSeen: "2026-01-10T00:00:00.000Z",
          lastSeen: "2026-01-12T00:00:00.000Z",
        },
      ]),
    );
    expect(again).toMatchObject({ new: 0, rejected: 1 });
  });

  it("answers the same counts without listing the rows when the caller does not need them", async () => {
    const values = domains(3);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    const observations = (lastSeen: string) => [
      ...values.map((value) => ({
        indicatorType: "domain",
        indicatorValue: value,
        sourceId: globalSourceId,
        firstSeen: "2026-01-10T00:00:00.000Z",
        lastSeen,
      })),
      // Unknown indicator: rejected.
      {
        indicatorType: "domain",
        indicatorValue: `missing-${values[0]}`,
        sourceId: globalSourceId,
        firstSeen: "2026-01-10T00:00:00.000Z",
        lastSeen,
      },
    ];
    const countsOnly = { returnTouched: false };
    const first = await ingest((tx) =>
      upsertObservations(tx, observations("2026-01-12T00:00:00.000Z"), countsOnly),
    );
    expect(first).toMatchObject({ new: 3, changed: 0, unchanged: 0, rejected: 1, touched: [] });
    // The catalog rows came from another transaction: each gained its first source here.
    expect(first.corroborated.map((row) => row.value).sort()).toEqual([...values].sort());
    const [newer = ""] = values;
    const later = await ingest((tx) =>
      upsertObservations(
        tx,
        observations("2026-01-12T00:00:00.000Z").map((row) =>
          row.indicatorValue === newer ? { ...row, lastSeen: "2026-02-01T00:00:00.000Z" } : row,
        ),
        countsOnly,
      ),
    );
    expect(later).toEqual({ new: 0, changed: 1, unchanged: 2, rejected: 1, touched: [], corroborated: [] });
  });

  it("keeps one observation per (type, value, source) in one call: another type or source is another row", async () => {
    const [value = ""] = domains(1);
    const otherSourceId = newId("source");
    await dbs.admin.pool.query("insert into sources (id, tenant_id, name) values ($1, null, $2)", [
      otherSourceId,
      `bulk other ${otherSourceId}`,
    ]);
    const url = `http://${value}/`;
    await ingest((tx) => upsertIndicators(tx, [indicator(value), indicator(url, { type: "url" })]));
    const seen = (type: string, indicatorValue: string, sourceId: string, lastSeen: string) => ({
      indicatorType: type,
      indicatorValue,
      sourceId,
      firstSeen: "2026-01-10T00:00:00.000Z",
      lastSeen,
    });
    const result = await ingest((tx) =>
      upsertObservations(tx, [
        seen("domain", value, otherSourceId, "2026-01-11T00:00:00.000Z"),
        seen("url", url, globalSourceId, "2026-01-12T00:00:00.000Z"),
        seen("domain", value, globalSourceId, "2026-01-12T00:00:00.000Z"),
        // The same key again: merged into the row above (the later last seen wins).
        seen("domain", value, otherSourceId, "2026-01-13T00:00:00.000Z"),
      ]),
    );
    expect(result).toMatchObject({ new: 3, changed: 0, unchanged: 0, rejected: 0 });
    const { rows } = await dbs.admin.pool.query<{ type: string; source_id: string; last_seen: Date }>(
      `select i.type, o.source_id, o.last_seen from observations o join indicators i on i.id = o.indicator_id
       where i.value = any($1::text[]) order by i.type, o.source_id`,
      [[value, url]],
    );
    expect(rows.map((row) => [row.type, row.source_id, row.last_seen.toISOString()])).toEqual(
      [
        ["domain", globalSourceId, "2026-01-12T00:00:00.000Z"],
        ["domain", otherSourceId, "2026-01-13T00:00:00.000Z"],
        ["url", globalSourceId, "2026-01-12T00:00:00.000Z"],
      ].sort((a, b) => (`${a[0]} ${a[1]}` < `${b[0]} ${b[1]}` ? -1 : 1)),
    );
  });

  it("links observations by (type, value), counts a newer report, ignores a re-read snapshot", async () => {
    const values = domains(3);
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value)),
      ),
    );
    const observation = (value: string, lastSeen = "2026-01-12T00:00:00.000Z") => ({
      indicatorType: "domain",
      indicatorValue: value,
      sourceId: globalSourceId,
      firstSeen: "2026-01-10T00:00:00.000Z",
      lastSeen,
      malwareFamily: "emotet",
      context: { reporter: "abuse_ch" },
    });
    const first = await ingest((tx) =>
      upsertObservations(
        tx,
        values.map((value) => observation(value)),
      ),
    );
    expect(first).toMatchObject({ new: 3, changed: 0, unchanged: 0, rejected: 0 });

    const reread = await ingest((tx) =>
      upsertObservations(
        tx,
        values.map((value) => observation(value)),
      ),
    );
    expect(reread).toEqual({ new: 0, changed: 0, unchanged: 3, rejected: 0, touched: [], corroborated: [] });

    const [newer = ""] = values;
    const later = await ingest((tx) =>
      upsertObservations(tx, [observation(newer, "2026-02-01T00:00:00.000Z")]),
    );
    expect(later).toMatchObject({ new: 0, changed: 1, unchanged: 0 });
    const { rows } = await dbs.admin.pool.query(
      `select o.report_count, o.malware_family, o.context from observations o
       join indicators i on i.id = o.indicator_id where i.value = $1`,
      [newer],
    );
    expect(rows).toEqual([{ report_count: 2, malware_family: "emotet", context: { reporter: "abuse_ch" } }]);
  });

  it("names the stored rows a new source corroborated without changing them, not the rows its own transaction wrote", async () => {
    const [written = "", corroborated = "", listed = "", fresh = ""] = domains(4);
    const secondSourceId = newId("source");
    await dbs.admin.pool.query("insert into sources (id, tenant_id, name) values ($1, null, $2)", [
      secondSourceId,
      `bulk second ${secondSourceId}`,
    ]);
    const observation = (value: string, sourceId: string) => ({
      indicatorType: "domain",
      indicatorValue: value,
      sourceId,
      firstSeen: "2026-01-10T00:00:00.000Z",
      lastSeen: "2026-01-12T00:00:00.000Z",
    });
    // One transaction writes the catalog rows and their first observations: nothing to hand on.
    const first = await ingest(async (tx) => {
      await upsertIndicators(tx, [indicator(written), indicator(corroborated), indicator(listed)]);
      return upsertObservations(
        tx,
        [written, corroborated, listed].map((value) => observation(value, globalSourceId)),
        { returnTouched: false },
      );
    });
    expect(first).toMatchObject({ new: 3, corroborated: [] });
    // A second source within the stored dates: the catalog rows stay as they are, the new sources are named.
    const counted = await ingest(async (tx) => {
      const catalog = await upsertIndicators(tx, [indicator(corroborated)]);
      expect(catalog).toMatchObject({ new: 0, changed: 0, unchanged: 1 });
      return upsertObservations(tx, [observation(corroborated, secondSourceId)], { returnTouched: false });
    });
    const ids = await dbs.admin.pool.query<{ id: string; value: string }>(
      "select id, value from indicators where value = any($1)",
      [[corroborated, listed]],
    );
    const idOf = new Map(ids.rows.map((row) => [row.value, row.id]));
    expect(counted).toMatchObject({
      new: 1,
      corroborated: [{ id: idOf.get(corroborated), type: "domain", value: corroborated }],
    });
    const rows = await ingest((tx) => upsertObservations(tx, [observation(listed, secondSourceId)]));
    expect(rows.corroborated).toEqual([{ id: idOf.get(listed), type: "domain", value: listed }]);
    // Seen again by the same source: not a new source.
    const again = await ingest((tx) =>
      upsertObservations(tx, [observation(listed, secondSourceId)], { returnTouched: false }),
    );
    expect(again).toMatchObject({ unchanged: 1, corroborated: [] });
    // One statement with a catalog row its transaction writes and a stored one it leaves as it is: the stored one only.
    const mixed = await ingest(async (tx) => {
      const catalog = await upsertIndicators(tx, [indicator(fresh), indicator(written)]);
      expect(catalog).toMatchObject({ new: 1, changed: 0, unchanged: 1 });
      return upsertObservations(
        tx,
        [fresh, written].map((value) => observation(value, secondSourceId)),
        { returnTouched: false },
      );
    });
    const writtenId = (
      await dbs.admin.pool.query<{ id: string }>("select id from indicators where value = $1", [written])
    ).rows[0]?.id;
    expect(mixed).toMatchObject({
      new: 2,
      corroborated: [{ id: writtenId, type: "domain", value: written }],
    });
  });

  it("rejects observations of unknown indicators and of tenant sources (which must stay private)", async () => {
    const [known = "", unknown = ""] = domains(2);
    await ingest((tx) => upsertIndicators(tx, [indicator(known)]));
    const base = {
      indicatorType: "domain",
      firstSeen: "2026-01-10T00:00:00Z",
      lastSeen: "2026-01-11T00:00:00Z",
    };
    const result = await ingest((tx) =>
      upsertObservations(tx, [
        { ...base, indicatorValue: unknown, sourceId: globalSourceId },
        { ...base, indicatorValue: known, sourceId: tenantSourceId },
      ]),
    );
    expect(result).toEqual({ new: 0, changed: 0, unchanged: 0, rejected: 2, touched: [], corroborated: [] });
  });
});

describe("upsertIndicators with the score computed before the upsert", () => {
  const score = {
    score: 71,
    confidence: 64,
    base: 70.5,
    decayStart: Date.parse("2026-01-12T00:00:00.123Z"),
    expired: false,
    nextReactionAt: Date.parse("2026-02-01T10:00:00.456Z"),
    explanation: JSON.stringify({ summary: "reported (test, reliability B)" }),
    suppressed: true,
    reasons: JSON.stringify([{ listId: "test-list", entry: "x", effect: "suppress" }]),
  };

  async function scoreColumns(value: string) {
    const { rows } = await dbs.admin.db.execute(sql`
      select i.score, i.score_confidence, i.score_base, i.score_expired, i.suppressed, i.suppression_reasons,
        ${catalogExplanation(sql`i`)} as score_explanation, (extract(epoch from i.score_decay_start) * 1000)::float8 as decay_ms,
        (extract(epoch from i.score_next_reaction_at) * 1000)::float8 as next_ms, i.scored_at = i.updated_at as scored_with_row,
        exists (select 1 from score_requests r where r.indicator_id = i.id) as requested
      from indicators i where i.type = 'domain' and i.value = ${value}`);
    return rows[0];
  }

  it("stores an explanation shared by many new rows once", async () => {
    const values = domains(3);
    const explanation = JSON.stringify({
      summary: `shared ${values[0]}`,
      factors: [{ key: "decay", weight: 1 }],
    });
    await ingest((tx) =>
      upsertIndicators(
        tx,
        values.map((value) => indicator(value, { score: { ...score, explanation } })),
      ),
    );
    const { rows } = await dbs.admin.pool.query<{ stored: string; referencing: string }>(
      `select (select count(*) from score_explanations e where e.explanation = $2::jsonb) as stored,
         count(*) filter (where i.score_explanation_id is not null) as referencing
       from indicators i where i.type = 'domain' and i.value = any($1::text[])`,
      [values, explanation],
    );
    expect(rows[0]).toEqual({ stored: "1", referencing: "3" });
    for (const value of values)
      expect((await scoreColumns(value))?.score_explanation).toEqual(JSON.parse(explanation));
    // Seen again in a later batch: nothing new is stored.
    const [again = ""] = domains(1);
    await ingest((tx) => upsertIndicators(tx, [indicator(again, { score: { ...score, explanation } })]));
    const count = await dbs.admin.pool.query<{ n: string }>(
      "select count(*) as n from score_explanations where explanation = $1::jsonb",
      [explanation],
    );
    expect(count.rows[0]?.n).toBe("1");
  });

  it("writes the score into a new row in the same statement, and leaves a stored row's score alone", async () => {
    const [value = ""] = domains(1);
    await ingest((tx) => upsertIndicators(tx, [indicator(value, { score })]));
    expect(await scoreColumns(value)).toMatchObject({
      score: 71,
      score_confidence: 64,
      score_base: 70.5,
      score_expired: false,
      suppressed: true,
      suppression_reasons: [{ listId: "test-list", entry: "x", effect: "suppress" }],
      score_explanation: { summary: "reported (test, reliability B)" },
      decay_ms: score.decayStart,
      next_ms: score.nextReactionAt,
      scored_with_row: true,
      requested: false,
    });
    const changed = await ingest((tx) =>
      upsertIndicators(tx, [
        indicator(value, { baseScore: 90, score: { ...score, score: 5, suppressed: false } }),
      ]),
    );
    expect(changed).toMatchObject({ changed: 1 });
    expect(await scoreColumns(value)).toMatchObject({ score: 71, suppressed: true });
  });

  it("queues a new row inserted without a score for the scheduled re-score", async () => {
    const [value = ""] = domains(1);
    await ingest((tx) => upsertIndicators(tx, [indicator(value)]));
    expect(await scoreColumns(value)).toMatchObject({ score: 0, scored_with_row: null, requested: true });
  });
});

describe("array literals for unnest parameters", () => {
  it("round-trips quotes, backslashes, commas, braces, blanks, NULL and non-ASCII through PostgreSQL", async () => {
    // Runs of equal values too: an element repeated reuses the previous one (escaped or not, or NULL).
    const values = [
      'a"b',
      'a"b',
      "c\\d",
      "e,f",
      "{g}",
      "",
      "",
      " h ",
      "NULL",
      null,
      null,
      "ü\u001fz",
      '\\"',
      "x",
      "x",
    ];
    const { rows } = await dbs.admin.pool.query<{ v: (string | null)[] }>("select $1::text[] as v", [
      textArrayLiteral(values),
    ]);
    expect(rows[0]?.v).toEqual(values);
  });

  it("round-trips a column with nothing to escape and no NULL, empty columns included", async () => {
    const values = ["a", "", " b ", "c,d", "{e}", "NULL", "ü\u001fz", "2026-11-26T05:00:00.000Z", "a"];
    for (const column of [values, [], [""]]) {
      const { rows } = await dbs.admin.pool.query<{ v: string[] }>("select $1::text[] as v", [
        textArrayLiteral(column),
      ]);
      expect(rows[0]?.v).toEqual(column);
    }
  });

  it("writes numbers and NULL as PostgreSQL reads them", async () => {
    const { rows } = await dbs.admin.pool.query<{ v: (number | null)[] }>("select $1::smallint[] as v", [
      numberArrayLiteral([0, 100, null, -5]),
    ]);
    expect(rows[0]?.v).toEqual([0, 100, null, -5]);
    const { rows: reals } = await dbs.admin.pool.query<{ v: (number | null)[] }>("select $1::real[] as v", [
      numberArrayLiteral([1.5, null, 0.25]),
    ]);
    expect(reals[0]?.v).toEqual([1.5, null, 0.25]);
    // Without NULL (one join): epoch milliseconds as the score columns send them, fractions, negatives.
    const noNull = [1_764_115_200_123, 1.5, -0.25, 0];
    const { rows: floats } = await dbs.admin.pool.query<{ v: number[] }>("select $1::float8[] as v", [
      numberArrayLiteral(noNull),
    ]);
    expect(floats[0]?.v).toEqual(noNull);
    const { rows: none } = await dbs.admin.pool.query<{ v: number[] }>("select $1::int[] as v", [
      numberArrayLiteral([]),
    ]);
    expect(none[0]?.v).toEqual([]);
  });
});
