import { newId } from "@threatfusion/core";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { MeilisearchSearch, PostgresSearch } from "@threatfusion/search";
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
});
