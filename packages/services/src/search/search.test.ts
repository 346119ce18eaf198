import { newId } from "@threatfusion/core";
import { withIngestTx } from "@threatfusion/db";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { indexIndicators, MeilisearchSearch, PostgresSearch } from "@threatfusion/search";
import { type FakeMeilisearch, startFakeMeilisearch } from "@threatfusion/search/fake-meilisearch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createIndicator } from "../indicators/create.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { searchIndicators } from "./search.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;
let catalog: SeededCatalog;
let fake: FakeMeilisearch;
let meili: MeilisearchSearch;
const unique = newId("request").slice(-8);

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "search");
  catalog = await seedCatalog(dbs, [
    { type: "domain", value: `srch-${unique}.example.com`, malwareFamily: "lumma" },
    { type: "url", value: `http://srch-${unique}.example.com/x` },
  ]);
  const secret = await createIndicator({
    ctx: userContext(dbs, tree, "clientB"),
    input: { value: `srch-${unique}-b.example.net` },
  });
  // Against a FAKE Meilisearch HTTP server (packages/search/src/fake-meilisearch.ts).
  fake = await startFakeMeilisearch();
  meili = new MeilisearchSearch({ url: fake.url });
  await meili.indexDocuments(
    [...catalog.ids.entries()].map(([value, id]) => ({
      id,
      type: value.includes("/") ? "url" : "domain",
      value,
      terms: "lumma",
    })),
  );
  await meili.indexDocuments(
    [{ id: secret.id, type: "domain", value: secret.value, terms: "" }],
    tree.clientBId,
  );
}, 120_000);
afterAll(async () => {
  await fake.close();
  await tree.cleanup();
  await dbs.end();
});

describe("search through either backend", () => {
  it("answers the same results (ids and shape) from Postgres and from Meilisearch", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const fromPostgres = await searchIndicators({
      ctx,
      input: { q: `srch-${unique}` },
      backend: new PostgresSearch(),
    });
    const fromMeili = await searchIndicators({ ctx, input: { q: `srch-${unique}` }, backend: meili });
    const ids = (results: typeof fromMeili) => results.items.map((item) => item.indicator.id).sort();
    expect(ids(fromMeili)).toEqual(ids(fromPostgres));
    expect(ids(fromMeili)).toEqual([...catalog.ids.values()].sort());
    expect(Object.keys(fromMeili.items[0]?.indicator ?? {}).sort()).toEqual(
      Object.keys(fromPostgres.items[0]?.indicator ?? {}).sort(),
    );
    expect([fromPostgres.backend, fromMeili.backend]).toEqual(["postgres", "meilisearch"]);
  });

  it("never shows a tenant another client's private indicator, from either backend", async () => {
    const a = userContext(dbs, tree, "clientA");
    const b = userContext(dbs, tree, "clientB");
    for (const backend of [new PostgresSearch(), meili]) {
      const forA = await searchIndicators({ ctx: a, input: { q: `srch-${unique}-b` }, backend });
      expect(forA.items).toEqual([]);
      const forB = await searchIndicators({ ctx: b, input: { q: `srch-${unique}-b` }, backend });
      expect(forB.items.map((item) => item.indicator.value)).toEqual([`srch-${unique}-b.example.net`]);
    }
    // Even a Meilisearch that ignored the filter cannot leak: hits are read back through the tenant's view.
    fake.forcedHits = [...fake.documents.values()].map((document) => ({ ...document, tenant: "global" }));
    try {
      const leaked = await searchIndicators({ ctx: a, input: { q: "anything" }, backend: meili });
      expect(leaked.items.map((item) => item.indicator.value)).not.toContain(`srch-${unique}-b.example.net`);
    } finally {
      fake.forcedHits = undefined;
    }
  });

  it("pages by keyset cursor: every hit once, in rank order, from either backend", async () => {
    const many = await seedCatalog(
      dbs,
      Array.from({ length: 7 }, (_, i) => ({ type: "domain", value: `kset${i}-${unique}.example.org` })),
    );
    // Search documents for the Postgres backend (as ingestion's hook writes them) and for Meilisearch.
    await withIngestTx({ db: dbs.ingest.db }, (tx) => indexIndicators(tx, [...many.ids.values()]));
    await meili.indexDocuments(
      [...many.ids.entries()].map(([value, id]) => ({ id, type: "domain", value, terms: "" })),
    );
    const ctx = userContext(dbs, tree, "clientA");
    for (const backend of [new PostgresSearch(), meili]) {
      const seen: string[] = [];
      const cursors: string[] = [];
      const scores: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await searchIndicators({
          ctx,
          input: { q: `${unique}.example.org`, limit: 2, cursor },
          backend,
        });
        seen.push(...result.items.map((item) => item.indicator.id));
        scores.push(...result.items.map((item) => item.score));
        if (result.nextCursor === null) break;
        cursors.push(result.nextCursor);
        cursor = result.nextCursor;
      }
      expect(seen.slice().sort(), backend.name).toEqual([...many.ids.values()].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(cursors.length).toBe(3);
      expect(scores).toEqual(scores.slice().sort((a, b) => b - a));
    }
  });

  it("refuses a cursor it did not issue with a validation error", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    for (const cursor of ["p50", "zzz", btoa("1|ind_x|2").replace(/=/g, ""), "a".repeat(200)]) {
      await expect(searchIndicators({ ctx, input: { q: "x", cursor } })).rejects.toMatchObject({
        code: "VALIDATION_FAILED",
      });
    }
  });
});
