import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { userContext } from "../testing/intel-fixtures.ts";
import { cursorBatches } from "./cursor-read.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "cursor-read");
}, 120_000);
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

async function readAll(rows: number, fetchSize: number): Promise<number[][]> {
  const batches: number[][] = [];
  for await (const batch of cursorBatches<{ n: number }, number>(
    userContext(dbs, tree, "clientA"),
    sql`select n from generate_series(1, ${rows}::int) as n order by n`,
    { fetchSize, map: (row) => row.n },
  )) {
    batches.push(batch);
  }
  return batches;
}

describe("cursorBatches", () => {
  it("delivers every row exactly once, in order, over several FETCHes read one ahead", async () => {
    const batches = await readAll(25, 10);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await readAll(20, 10)).flat()).toHaveLength(20);
    expect(await readAll(0, 10)).toEqual([]);
  });

  it("ends the transaction cleanly when the consumer stops early, and the connection stays usable", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    for await (const batch of cursorBatches<{ n: number }, number>(
      ctx,
      sql`select n from generate_series(1, 100) as n`,
      { fetchSize: 10, map: (row) => row.n },
    )) {
      expect(batch).toHaveLength(10);
      break;
    }
    expect((await readAll(15, 10)).flat()).toHaveLength(15);
  });
});
