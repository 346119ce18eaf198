import { newId } from "@threatfusion/core";
import { upsertIndicators, upsertObservations, withIngestTx } from "@threatfusion/db";
import { connectTestDatabases } from "@threatfusion/db/testing";
import { indexIndicators, indexNewIndicators } from "@threatfusion/search";
import { afterAll, describe, expect, inject, it } from "vitest";
import { seedCatalog } from "../testing/intel-fixtures.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
const unique = newId("request").slice(-8);
afterAll(() => dbs.end());

async function searchRow(id: string) {
  const { rows } = await dbs.admin.pool.query(
    "select terms, document::text as document, updated_at from indicator_search where indicator_id = $1",
    [id],
  );
  return rows[0] as { terms: string; document: string; updated_at: Date } | undefined;
}

describe("indexIndicators", () => {
  it("writes a document with tags, malware families, threat types and source names, once per change", async () => {
    const value = `idx-${unique}.example.com`;
    const catalog = await seedCatalog(dbs, [
      { type: "domain", value, malwareFamily: "lumma", tags: ["phish"] },
    ]);
    const id = catalog.ids.get(value) ?? "";
    const index = () => withIngestTx({ db: dbs.ingest.db }, (tx) => indexIndicators(tx, [id]));
    // The fixture indexes what it seeds: start from a catalog row without a search document.
    await dbs.admin.pool.query("delete from indicator_search where indicator_id = $1", [id]);

    const first = await index();
    expect(first).toEqual([{ id, type: "domain", value, terms: expect.stringContaining("lumma") }]);
    const written = await searchRow(id);
    expect(written?.terms.split(" ")).toEqual(
      expect.arrayContaining(["phish", "lumma", ...catalog.sourceName.split(" ")]),
    );
    expect(written?.document).toContain("'lumma'");

    // The feed seen again: nothing searchable changed, so nothing is written (or returned for Meilisearch).
    expect(await index()).toEqual([]);
    expect((await searchRow(id))?.updated_at).toEqual(written?.updated_at);

    // A second source reports it with a threat type: the document changes.
    const secondSource = newId("source");
    await dbs.admin.pool.query(
      "insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, 'C')",
      [secondSource, `Second ${unique}`],
    );
    await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      upsertObservations(tx, [
        {
          indicatorType: "domain",
          indicatorValue: value,
          sourceId: secondSource,
          firstSeen: new Date(),
          lastSeen: new Date(),
          threatType: "phishing",
        },
      ]),
    );
    const changed = await index();
    expect(changed).toHaveLength(1);
    expect(changed[0]?.terms).toContain("phishing");
    expect(changed[0]?.terms).toContain(`Second ${unique}`);
  });

  it("writes without returning documents when no second backend needs them", async () => {
    const value = `idx-quiet-${unique}.example.com`;
    const catalog = await seedCatalog(dbs, [{ type: "domain", value }]);
    const id = catalog.ids.get(value) ?? "";
    await dbs.admin.pool.query("delete from indicator_search where indicator_id = $1", [id]);
    const returned = await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      indexIndicators(tx, [id], { returnDocuments: false }),
    );
    expect(returned).toEqual([]);
    expect((await searchRow(id))?.terms).toContain(catalog.sourceName);
  });

  it("removes the documents of catalog rows that are deleted (no foreign key since migration 0055)", async () => {
    const values = [`idx-gone-${unique}.example.com`, `idx-kept-${unique}.example.com`];
    const catalog = await seedCatalog(
      dbs,
      values.map((value) => ({ type: "domain", value })),
    );
    const [goneId, keptId] = values.map((value) => catalog.ids.get(value) ?? "");
    await withIngestTx({ db: dbs.ingest.db }, (tx) => indexIndicators(tx, [goneId ?? "", keptId ?? ""]));
    expect(await searchRow(goneId ?? "")).toBeDefined();

    await dbs.admin.pool.query("delete from indicators where id = $1", [goneId]);
    expect(await searchRow(goneId ?? "")).toBeUndefined();
    expect(await searchRow(keptId ?? "")).toBeDefined();
  });

  it("writes the same document for a new row from the consumer's terms as from its stored observations", async () => {
    const values = [`idx-new-${unique}.example.com`, `idx-bare-${unique}.example.com`];
    const catalog = await seedCatalog(dbs, [
      { type: "domain", value: values[0] ?? "", malwareFamily: "lumma", tags: ["phish", "c2"] },
      { type: "domain", value: values[1] ?? "" },
    ]);
    const ids = values.map((value) => catalog.ids.get(value) ?? "");
    const documents = async () => {
      const { rows } = await dbs.admin.pool.query(
        "select indicator_id, type, value, terms, document::text as document from indicator_search where indicator_id = any($1::text[]) order by indicator_id",
        [ids],
      );
      return rows;
    };
    const fromObservations = await documents();
    expect(fromObservations).toHaveLength(2);

    await dbs.admin.pool.query("delete from indicator_search where indicator_id = any($1::text[])", [ids]);
    await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      indexNewIndicators(tx, [
        // As the consumer lists them: unsorted, repeated, the source name included.
        { id: ids[0] ?? "", terms: [catalog.sourceName, "lumma", "lumma"] },
        { id: ids[1] ?? "", terms: [catalog.sourceName] },
      ]),
    );
    expect(await documents()).toEqual(fromObservations);
  });

  it("writes the same documents from the upsert statement itself for the rows it inserts, none for rows that existed", async () => {
    const values = [`idx-fused-${unique}.example.com`, `idx-fused-bare-${unique}.example.com`];
    const catalog = await seedCatalog(dbs, [
      { type: "domain", value: values[0] ?? "", malwareFamily: "lumma", tags: ["phish", "c2"] },
      { type: "domain", value: values[1] ?? "" },
    ]);
    const ids = values.map((value) => catalog.ids.get(value) ?? "");
    const documents = async (of: string[]) => {
      const { rows } = await dbs.admin.pool.query(
        "select type, value, terms, document::text as document from indicator_search where indicator_id = any($1::text[]) order by value",
        [of],
      );
      return rows;
    };
    const fromObservations = await documents(ids);
    expect(fromObservations).toHaveLength(2);

    // The same rows inserted anew (the stored ones deleted first), as the consumer sends them.
    await dbs.admin.pool.query("delete from indicators where id = any($1::text[])", [ids]);
    const now = new Date().toISOString();
    const row = (value: string, tags: string[], searchTerms: string[]) => ({
      type: "domain",
      value,
      firstSeen: now,
      lastSeen: now,
      confidence: 70,
      baseScore: 60,
      tlp: "clear" as const,
      tags,
      searchTerms,
    });
    const inserted = await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      upsertIndicators(
        tx,
        [
          row(values[0] ?? "", ["phish"], [catalog.sourceName, "lumma", ""]),
          // The same value twice in one batch (two chunks of a delivery): tags and terms merge.
          row(values[0] ?? "", ["c2"], [catalog.sourceName, "lumma"]),
          row(values[1] ?? "", [], [catalog.sourceName]),
        ],
        { searchDocuments: true },
      ),
    );
    expect(inserted.new).toBe(2);
    expect(await documents(inserted.touched.map((touched) => touched.id))).toEqual(fromObservations);

    // Seen again with a new tag: the row changes, but its document is left to indexIndicators.
    const changed = await withIngestTx({ db: dbs.ingest.db }, (tx) =>
      upsertIndicators(tx, [row(values[1] ?? "", ["fresh"], ["other terms"])], { searchDocuments: true }),
    );
    expect(changed.touched).toEqual([expect.objectContaining({ value: values[1], outcome: "changed" })]);
    expect((await documents(changed.touched.map((touched) => touched.id)))[0]?.terms).not.toContain("fresh");
  });
});
