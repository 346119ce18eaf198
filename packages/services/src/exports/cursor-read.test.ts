import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { userContext } from "../testing/intel-fixtures.ts";
import { cursorBatches, type IdRange, rangeBatches } from "./cursor-read.ts";

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

interface RangeRow extends Record<string, unknown> {
  id: string;
  backend: number;
  snapshot: string;
  tenant: string;
}

// Keys "0001" … as text, so ranges cut them in text order as the catalog's ids are.
const keys = (rows: number) =>
  sql`(select lpad(n::text, 4, '0') as id from generate_series(1, ${rows}::int) as n)`;
const inRange = (range: IdRange) =>
  sql`${range.lower === undefined ? sql`true` : sql`k.id >= ${range.lower}`} and ${
    range.upper === undefined ? sql`true` : sql`k.id < ${range.upper}`
  }`;

async function readRanges(
  rows: number,
  options: { connections: number; rangeRows: number; tail?: string[]; failAt?: string },
): Promise<RangeRow[][]> {
  const batches: RangeRow[][] = [];
  for await (const batch of rangeBatches<RangeRow, RangeRow>(userContext(dbs, tree, "clientA"), {
    connections: options.connections,
    statement: (range) =>
      sql`select k.id, pg_backend_pid() as backend, pg_current_snapshot()::text as snapshot,
                 current_setting('app.tenant_id') as tenant,
                 1 / (k.id <> ${options.failAt ?? ""})::int as boom
          from ${keys(rows)} as k where ${inRange(range)} order by k.id`,
    nextCut: (lower) =>
      sql`select k.id as cut from ${keys(rows)} as k ${lower === undefined ? sql`` : sql`where k.id >= ${lower}`}
          order by k.id offset ${options.rangeRows} limit 1`,
    map: (row) => row,
    ...(options.tail === undefined
      ? {}
      : {
          after: async (_tx, emit) => {
            for (const id of options.tail ?? []) {
              if (!(await emit([{ id, backend: 0, snapshot: "", tenant: "" }]))) return;
            }
          },
        }),
  })) {
    batches.push(batch);
  }
  return batches;
}

describe("rangeBatches", () => {
  it("delivers every row exactly once and in key order, read by several connections on one snapshot, then the tail", async () => {
    const batches = await readRanges(95, { connections: 2, rangeRows: 10, tail: ["x", "y"] });
    const ids = batches.flat().map((row) => row.id);
    expect(ids).toEqual([...Array.from({ length: 95 }, (_, i) => String(i + 1).padStart(4, "0")), "x", "y"]);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 1, 1]);
    const ranged = batches.flat().filter((row) => row.backend !== 0);
    // Two backends took part, every range saw the same snapshot, and each transaction set the actor's tenant.
    expect(new Set(ranged.map((row) => row.backend)).size).toBe(2);
    expect(new Set(ranged.map((row) => row.snapshot)).size).toBe(1);
    expect(new Set(ranged.map((row) => row.tenant))).toEqual(new Set([tree.clientAId]));
  });

  it("gives the same rows with one connection, with more connections than ranges, and with none at all", async () => {
    const expected = Array.from({ length: 30 }, (_, i) => String(i + 1).padStart(4, "0"));
    for (const connections of [1, 3]) {
      const rows = (await readRanges(30, { connections, rangeRows: 7 })).flat();
      expect(rows.map((row) => row.id)).toEqual(expected);
    }
    expect((await readRanges(5, { connections: 3, rangeRows: 10 })).flat()).toHaveLength(5);
    expect(await readRanges(0, { connections: 2, rangeRows: 10 })).toEqual([]);
  });

  it("ends every transaction when the consumer stops early or a range fails, and the pool stays usable", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    for await (const batch of rangeBatches<{ n: number }, number>(ctx, {
      connections: 2,
      statement: () => sql`select n from generate_series(1, 10) as n`,
      nextCut: () => sql`select 'z' as cut`,
      map: (row) => row.n,
    })) {
      expect(batch).toHaveLength(10);
      break;
    }
    await expect(readRanges(60, { connections: 2, rangeRows: 10, failAt: "0035" })).rejects.toMatchObject({
      cause: { message: "division by zero" },
    });
    expect((await readRanges(25, { connections: 2, rangeRows: 10 })).flat()).toHaveLength(25);
  });
});
