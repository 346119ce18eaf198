import { AppError, newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { privateIndicators } from "./schema.ts";
import { readInTenant, readWithoutTenant } from "./tenant-read.ts";
import { withTenantTx } from "./tenant-tx.ts";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "./testing.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;
const privateId = newId("privateIndicator");

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "tenant-read");
  await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
    tx
      .insert(privateIndicators)
      .values({ id: privateId, tenantId: tree.clientAId, type: "domain", value: `${privateId}.example` }),
  );
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

const privateRow = (id: string) => sql`select id, created_at, tags from private_indicators where id = ${id}`;

describe("readInTenant (one round trip over the HTTP query endpoint)", () => {
  it("sees the acting tenant's rows and not another tenant's", async () => {
    const own = await readInTenant<{ id: string }>(
      { db: dbs.app.db, tenantId: tree.clientAId },
      privateRow(privateId),
    );
    expect(own.map((row) => row.id)).toEqual([privateId]);
    const other = await readInTenant({ db: dbs.app.db, tenantId: tree.clientBId }, privateRow(privateId));
    expect(other).toEqual([]);
  });

  it("returns the same row, types included, as the same statement inside withTenantTx", async () => {
    const viaHttp = await readInTenant({ db: dbs.app.db, tenantId: tree.clientAId }, privateRow(privateId));
    const viaTx = await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
      tx.execute(privateRow(privateId)),
    );
    expect(viaHttp).toEqual(viaTx.rows);
    expect(typeof viaHttp[0]?.created_at).toBe("string");
    expect(Array.isArray(viaHttp[0]?.tags)).toBe(true);
  });

  it("keeps the tenant setting inside its transaction: a read without a tenant sees nothing", async () => {
    await readInTenant({ db: dbs.app.db, tenantId: tree.clientAId }, privateRow(privateId));
    const setting = await readWithoutTenant<{ tenant: string | null }>(
      dbs.app.db,
      sql`select nullif(current_setting('app.tenant_id', true), '') as tenant`,
    );
    expect(setting[0]?.tenant).toBeNull();
    expect(await readWithoutTenant(dbs.app.db, privateRow(privateId))).toEqual([]);
  });

  it("is read only: a write is refused by PostgreSQL, with its error code", async () => {
    const attempt = readInTenant(
      { db: dbs.app.db, tenantId: tree.clientAId },
      sql`delete from private_indicators where id = ${privateId} returning id`,
    );
    await expect(attempt).rejects.toMatchObject({ code: "25006" });
    const still = await readInTenant({ db: dbs.app.db, tenantId: tree.clientAId }, privateRow(privateId));
    expect(still).toHaveLength(1);
  });

  it("runs inside an open transaction of the same tenant and refuses one of another tenant", async () => {
    await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, async (tx) => {
      const pid = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
      const inside = await readInTenant<{ pid: number }>(
        { db: dbs.app.db, tenantId: tree.clientAId, tx },
        sql`select pg_backend_pid() as pid`,
      );
      expect(inside).toEqual(pid.rows);
      await expect(
        readInTenant({ db: dbs.app.db, tenantId: tree.clientBId, tx }, sql`select 1`),
      ).rejects.toThrow(AppError);
    });
  });

  it("refuses a tenant id that is not one", async () => {
    await expect(readInTenant({ db: dbs.app.db, tenantId: "' or 1=1 --" }, sql`select 1`)).rejects.toThrow(
      AppError,
    );
  });
});
