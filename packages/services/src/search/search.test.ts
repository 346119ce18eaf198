import { randomBytes } from "node:crypto";
import { newId } from "@threatfusion/core";
import { type DbTransaction, withIngestTx, withTenantTx } from "@threatfusion/db";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import {
  indexIndicators,
  MeilisearchSearch,
  PostgresSearch,
  prefixSearchedTypes,
} from "@threatfusion/search";
import { type FakeMeilisearch, startFakeMeilisearch } from "@threatfusion/search/fake-meilisearch";
import { type SQL, sql } from "drizzle-orm";
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

  it("finds IPs and hashes by exact value or prefix, domains and URLs by any substring", async () => {
    const octets = randomBytes(2);
    const ipv4 = `198.18.${octets[0]}.${octets[1]}`;
    const ipv6 = `2001:db8:${randomBytes(2).toString("hex")}::${randomBytes(2).toString("hex")}`;
    const sha256 = randomBytes(32).toString("hex");
    const md5 = randomBytes(16).toString("hex");
    const domain = `valsrch-${unique}.example.com`;
    const url = `http://valsrch-${unique}.example.net/payload/${unique}.bin`;
    const seeded = await seedCatalog(dbs, [
      { type: "ipv4", value: ipv4 },
      { type: "ipv6", value: ipv6 },
      { type: "sha256", value: sha256 },
      { type: "md5", value: md5 },
      { type: "domain", value: domain },
      { type: "url", value: url },
    ]);
    const ctx = userContext(dbs, tree, "clientA");
    const found = async (q: string, types?: ("ipv4" | "domain")[]) =>
      (await searchIndicators({ ctx, input: { q, limit: 200, types } })).items.map(
        (item) => item.indicator.id,
      );
    const id = (value: string) => seeded.ids.get(value);
    const cases: [query: string, value: string][] = [
      [ipv4, ipv4],
      [ipv4.slice(0, ipv4.lastIndexOf(".") + 1), ipv4],
      [ipv6, ipv6],
      [ipv6.slice(0, 14), ipv6],
      [sha256, sha256],
      [sha256.slice(0, 16).toUpperCase(), sha256],
      [md5.slice(0, 10), md5],
      [domain, domain],
      [`srch-${unique}.example`, domain],
      [url.slice(0, 20), url],
      [`payload/${unique}`, url],
    ];
    for (const [query, value] of cases) expect(await found(query), query).toContain(id(value));
    // An exact IP ranks first (4 + rank), as before the split into per-type arms.
    const exact = await searchIndicators({ ctx, input: { q: ipv4 } });
    expect(exact.items[0]?.indicator.id).toBe(id(ipv4));
    expect(exact.items[0]?.score).toBeGreaterThanOrEqual(4);
    // The type filter still narrows every arm.
    expect(await found(ipv4.slice(0, 8), ["ipv4"])).toContain(id(ipv4));
    expect(await found(ipv4.slice(0, 8), ["domain"])).not.toContain(id(ipv4));
    expect(await found(`srch-${unique}`, ["ipv4"])).not.toContain(id(domain));
  });

  it("stores an IPv4's document without its value, and finds and ranks it as if the value were there", async () => {
    const octets = randomBytes(2);
    const ipv4 = `198.19.${octets[0]}.${octets[1]}`;
    const family = `ipfam${unique}`;
    const seeded = await seedCatalog(dbs, [{ type: "ipv4", value: ipv4, malwareFamily: family }]);
    const id = seeded.ids.get(ipv4);
    const { rows } = await dbs.admin.pool.query<{ words: string[] }>(
      "select tsvector_to_array(document) as words from indicator_search where indicator_id = $1",
      [id],
    );
    // The value is a key of its own in the tsvector index for every IPv4 written; the catalog's btree finds it.
    expect(rows[0]?.words).toContain(family);
    expect(rows[0]?.words).not.toContain(ipv4);
    const ctx = userContext(dbs, tree, "clientA");
    const hits = async (q: string) => (await searchIndicators({ ctx, input: { q, limit: 200 } })).items;
    for (const q of [ipv4, family, `${ipv4} ${family}`, `${family} ${ipv4}`]) {
      const hit = (await hits(q)).find((item) => item.indicator.id === id);
      expect(hit, q).toBeDefined();
      // The rank of the document with the value in it, as before it was left out.
      const { rows: expected } = await dbs.admin.pool.query<{ score: number }>(
        `select (case when s.value = $2 then 4 when s.value ilike $3 then 3 when s.value ilike $4 then 2 else 0 end
                 + ts_rank(to_tsvector('simple', s.value || ' ' || s.terms), plainto_tsquery('simple', $2)))::float8 as score
           from indicator_search s where s.indicator_id = $1`,
        [id, q, `${q}%`, `%${q}%`],
      );
      expect(hit?.score, q).toBeCloseTo(Number(expected[0]?.score), 5);
    }
    expect((await hits(`${ipv4} nosuchword${unique}`)).map((item) => item.indicator.id)).not.toContain(id);
  });

  it("stores every document without the word that is its value, and finds and ranks it as if the value were there", async () => {
    const hex = (bytes: number) => randomBytes(bytes).toString("hex");
    const family = `wordfam${unique}`;
    // Values the parser reads as one word (a domain, an e-mail address, a hash starting with a letter) and values
    // it reads as several (punycode, a hash read as a number with an exponent, then the rest; a URL): the first
    // kind is stored without its word, the second keeps every word.
    const single = [
      { type: "domain", value: `w${unique}-x.wordless.example`.toLowerCase() },
      { type: "email", value: `u${unique}@wordless.example`.toLowerCase() },
      { type: "sha256", value: `a${hex(32).slice(1)}` },
    ];
    const several = [
      { type: "domain", value: `xn--w${unique}-kva.example`.toLowerCase() },
      { type: "sha256", value: `4e07408562bedb${hex(25)}` },
      { type: "url", value: `http://w${unique}.wordless.example/path`.toLowerCase() },
    ];
    const seeded = await seedCatalog(
      dbs,
      [...single, ...several].map((row) => ({ ...row, malwareFamily: family })),
    );
    const ctx = userContext(dbs, tree, "clientA");
    const hits = async (q: string) => (await searchIndicators({ ctx, input: { q, limit: 200 } })).items;
    for (const { type, value } of [...single, ...several]) {
      const id = seeded.ids.get(value);
      const { rows } = await dbs.admin.pool.query<{ stored: string[]; whole: string[] }>(
        `select tsvector_to_array(document) as stored,
                tsvector_to_array(to_tsvector('simple', value || ' ' || terms)) as whole
           from indicator_search where indicator_id = $1`,
        [id],
      );
      const stored = rows[0]?.stored ?? [];
      const whole = rows[0]?.whole ?? [];
      // The whole document less the value's word: every other word is stored.
      expect(whole, value).toContain(family);
      expect(stored, value).toEqual(whole.filter((word) => word !== value));
      expect(whole.includes(value), value).toBe(single.some((row) => row.value === value));
      for (const q of [value, family, `${value} ${family}`, `${family} ${value}`]) {
        const hit = (await hits(q)).find((item) => item.indicator.id === id);
        expect(hit, `${type} ${q}`).toBeDefined();
        // The rank of the document with the value in it, as before it was left out.
        const { rows: expected } = await dbs.admin.pool.query<{ score: number }>(
          `select (case when s.value = $2 then 4 when s.value ilike $3 then 3 when s.value ilike $4 then 2 else 0 end
                   + ts_rank(to_tsvector('simple', s.value || ' ' || s.terms), plainto_tsquery('simple', $2)))::float8 as score
             from indicator_search s where s.indicator_id = $1`,
          [id, q, `${q}%`, `%${q}%`],
        );
        expect(hit?.score, `${type} ${q}`).toBeCloseTo(Number(expected[0]?.score), 5);
      }
      expect((await hits(`${value} nosuchword${unique}`)).map((item) => item.indicator.id)).not.toContain(id);
    }
    // A type filter keeps to its types in the value's arm too.
    const domain = single[0]?.value ?? "";
    expect(
      (
        await searchIndicators({ ctx, input: { q: `${domain} ${family}`, types: ["email"], limit: 200 } })
      ).items.map((item) => item.indicator.id),
    ).not.toContain(seeded.ids.get(domain));
  });

  it("has trigram entries only for the types searched by substring (migration 0071 = prefixSearchedTypes)", async () => {
    const { rows } = await dbs.admin.pool.query<{ predicate: string | null }>(
      "select pg_get_expr(indpred, indrelid) as predicate from pg_index where indexrelid = 'indicator_search_value_trgm_idx'::regclass",
    );
    const listed = [...(rows[0]?.predicate ?? "").matchAll(/'([a-z0-9]+)'::text/g)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...prefixSearchedTypes].sort());
    expect(rows[0]?.predicate).toMatch(/<> ALL/);
  });

  it("lets the application role's search use the search table's indexes (no tenant condition on global rows)", async () => {
    // A row-level-security condition keeps PostgreSQL from using an index for predicates that are not
    // LEAKPROOF (ilike, @@); migration 0072 reads the documents like the catalog (0005). Sequential scans
    // are switched off so that the plan shows whether each arm CAN use its index, whatever the table size.
    const plans: string[] = [];
    await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const explaining = {
        execute: async (query: SQL) => {
          const { rows } = await tx.execute<{ "QUERY PLAN": string }>(sql`explain ${query}`);
          plans.push(rows.map((row) => row["QUERY PLAN"]).join("\n"));
          return { rows: [] };
        },
      } as unknown as DbTransaction;
      for (const text of [`srch-${unique}`, "lumma"])
        await new PostgresSearch().search(
          { tx: explaining, tenantId: tree.clientAId },
          { text, limit: 10, depth: 0 },
        );
    });
    expect(plans.join("\n")).toMatch(/Index Cond: \(value ~~\* /);
    expect(plans.join("\n")).toMatch(/Index Cond: \(document @@ /);
    expect(plans.join("\n")).toMatch(/indicator_search_value_trgm_idx/);
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
