import { newId } from "@threatfusion/core";
import { createDatabase, readInTenant, withTenantTx } from "@threatfusion/db";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { producerIdentityIdSql } from "../exports/producer.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import {
  idLookupFunctionBody,
  keyLookupFunctionBody,
  selectActiveIndicatorRecords,
  selectActiveIndicators,
  selectActiveIndicatorsById,
  selectActiveIndicatorsByKey,
  toExportIndicator,
} from "./active-indicators.ts";
import { createIndicator } from "./create.ts";
import { getIndicator } from "./get.ts";
import { updateIndicator } from "./update.ts";

// The two hot reads of issue 7: the lookup by value through `tf_find_indicator_by_key` (a cached plan) and the
// TAXII page as export records built by PostgreSQL. Both must give what the active-indicators query gives.
const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;
let catalog: SeededCatalog;
const unique = newId("request").slice(-8);
const shared = `both-${unique}.example.org`;
const bOnly = `b-only-${unique}.example.org`;
const overlaid = `overlaid-${unique}.example.org`;
let seededFrom = "";
const privateIds: string[] = [];

beforeAll(async () => {
  seededFrom = new Date(Date.now() - 1_000).toISOString();
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "hot-reads");
  catalog = await seedCatalog(dbs, [
    {
      type: "domain",
      value: shared,
      tags: ["b", "a"],
      malwareFamily: "qakbot",
      reference: "https://r.example/1",
    },
    { type: "domain", value: overlaid, tags: ["c2"] },
    { type: "url", value: `http://${shared}/x?y="z"` },
    { type: "cve", value: "CVE-2024-3400" },
  ]);
  // The same value private to client A, and to client B; B keeps another to itself and marks a catalog row.
  const created = [
    await createIndicator({
      ctx: userContext(dbs, tree, "clientA"),
      input: { value: shared, tags: ["mine"], context: { malware_family: "own-family", threatType: 7 } },
    }),
    await createIndicator({ ctx: userContext(dbs, tree, "clientB"), input: { value: shared } }),
    await createIndicator({ ctx: userContext(dbs, tree, "clientB"), input: { value: bOnly } }),
    await createIndicator({
      ctx: userContext(dbs, tree, "mssp"),
      input: {
        value: `mssp-${unique}.example.org`,
        sharedWithAllClients: true,
        description: "from the MSSP",
      },
    }),
  ];
  privateIds.push(...created.map((indicator) => indicator.id));
  await updateIndicator({
    ctx: userContext(dbs, tree, "clientB"),
    input: { id: catalog.ids.get(overlaid) ?? "", status: "false_positive", notes: "B's note" },
  });
}, 120_000);
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

describe("lookups by value and by id through tf_find_indicator_by_key and _by_id", {
  timeout: 60_000,
}, () => {
  it("runs the builder's own lookup statement (a change of the builder needs a new migration)", async () => {
    const { rows } = await dbs.admin.pool.query<{ name: string; body: string }>(
      "select proname as name, prosrc as body from pg_proc where proname like 'tf_find_indicator_by_%' order by 1",
    );
    const squeeze = (text: string) => text.replace(/\s+/g, " ").trim();
    expect(rows.map((row) => row.name)).toEqual(["tf_find_indicator_by_id", "tf_find_indicator_by_key"]);
    expect(squeeze(rows[0]?.body ?? "")).toContain(squeeze(idLookupFunctionBody()));
    expect(squeeze(rows[1]?.body ?? "")).toContain(squeeze(keyLookupFunctionBody()));
  });

  it("returns the rows the active-indicators query returns for each key and id, types and timestamps included", async () => {
    for (const who of ["clientA", "clientB"] as const) {
      const tenantId = who === "clientA" ? tree.clientAId : tree.clientBId;
      const target = { db: dbs.app.db, tenantId };
      for (const value of [shared, overlaid, bOnly]) {
        const key = { type: "domain" as const, value };
        const viaFunction = await selectActiveIndicatorsByKey(target, { tenantId }, key);
        const { rows: viaQuery } = await selectActiveIndicators(
          target,
          { tenantId },
          { includeSuppressed: true, includeInactive: true, keys: [key] },
          { order: "recent", limit: 3 },
        );
        expect(viaFunction).toEqual(viaQuery);
      }
      for (const id of [...catalog.ids.values(), ...privateIds]) {
        const viaFunction = await selectActiveIndicatorsById(target, { tenantId }, id);
        const { rows: viaQuery } = await selectActiveIndicators(
          target,
          { tenantId },
          { includeSuppressed: true, includeInactive: true, ids: [id] },
          { order: "recent", limit: 1 },
        );
        expect(viaFunction).toEqual(viaQuery);
      }
    }
    // A's own private row, and the MSSP's shared one, by id; B's private rows are nobody else's.
    const a = { db: dbs.app.db, tenantId: tree.clientAId };
    const originsForA = await Promise.all(
      privateIds.map(async (id) =>
        (await selectActiveIndicatorsById(a, { tenantId: tree.clientAId }, id)).map((row) => row.origin),
      ),
    );
    expect(originsForA).toEqual([["private"], [], [], ["shared"]]);
  });

  it("never returns another tenant's private row or overlay, also when asked for that tenant by argument", async () => {
    const a = userContext(dbs, tree, "clientA");
    await expect(getIndicator({ ctx: a, input: { value: bOnly } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const own = await getIndicator({ ctx: a, input: { value: shared } });
    expect([own.origin, own.tags]).toEqual(["private", ["mine"]]);
    const marked = await getIndicator({ ctx: a, input: { value: overlaid } });
    expect([marked.status, marked.notes]).toEqual(["new", null]);
    // Row-level security is the floor: A's transaction naming B as the tenant argument still reads nothing of B.
    const forged = await readInTenant<{ row: { origin: string; notes: string | null } }>(
      { db: dbs.app.db, tenantId: tree.clientAId },
      sql`select tf_find_indicator_by_key(${tree.clientBId}, 'domain', ${bOnly}) as row
          union all select tf_find_indicator_by_key(${tree.clientBId}, 'domain', ${overlaid})`,
    );
    expect(forged.map((row) => [row.row.origin, row.row.notes])).toEqual([["catalog", null]]);
  });

  it("keeps each transaction's tenant on one backend once the plan is cached (generic plan after five calls)", async () => {
    const single = createDatabase({ url: database.appUrl, wsProxy: database.wsProxy }, { max: 1 });
    try {
      for (let round = 0; round < 8; round++) {
        for (const [tenantId, expected] of [
          [tree.clientAId, []],
          [tree.clientBId, ["private"]],
        ] as const) {
          const rows = await withTenantTx({ db: single.db, tenantId }, (tx) =>
            selectActiveIndicatorsByKey(tx, { tenantId }, { type: "domain", value: bOnly }),
          );
          expect(rows.map((row) => row.origin)).toEqual(expected);
        }
      }
    } finally {
      await single.end();
    }
  });
});

describe("a page as export records (TAXII)", { timeout: 60_000 }, () => {
  it("gives each row's export record and cursor, as the rows of the same page map to", async () => {
    for (const who of ["clientA", "clientB"] as const) {
      const tenantId = who === "clientA" ? tree.clientAId : tree.clientBId;
      const target = { db: dbs.app.db, tenantId };
      // What this file wrote (and whatever other files write meanwhile): rows changed since it started.
      const filter = { includeInactive: true, versionAfter: { at: seededFrom, id: "ind_" } };
      const options = {
        order: "version",
        limit: 2,
        overlayVersions: true,
        stixIdentityId: producerIdentityIdSql(tenantId),
      } as const;
      let after: Parameters<typeof selectActiveIndicators>[3]["after"];
      let pages = 0;
      do {
        const rows = await selectActiveIndicators(target, { tenantId }, filter, { ...options, after });
        const records = await selectActiveIndicatorRecords(target, { tenantId }, filter, {
          ...options,
          after,
        });
        expect(records.entries).toEqual(
          rows.rows.map((row) => ({ record: toExportIndicator(row), cursor: row.cursor })),
        );
        expect([records.next, records.stixIdentityId]).toEqual([rows.next, rows.stixIdentityId]);
        after = rows.next;
        pages++;
      } while (after !== undefined && pages < 200);
      expect(pages).toBeGreaterThan(2);
    }
  });
});
