import { AppError, newId } from "@threatfusion/core";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase } from "./client.ts";
import { privateIndicators } from "./schema.ts";
import { withIngestTx, withTenantTx } from "./tenant-tx.ts";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "./testing.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "tenant-tx");
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

const currentTenant = sql`select nullif(current_setting('app.tenant_id', true), '') as tenant`;

describe("withTenantTx", () => {
  it("sets the tenant for the transaction only, so a pooled connection never keeps it", async () => {
    // One connection, so the query after the transaction runs on the very connection that had the tenant.
    const single = createDatabase({ url: database.appUrl, wsProxy: database.wsProxy }, { max: 1 });
    try {
      const inside = await withTenantTx({ db: single.db, tenantId: tree.clientAId }, (tx) =>
        tx.execute(currentTenant),
      );
      expect(inside.rows[0]?.tenant).toBe(tree.clientAId);
      const after = await single.db.execute(currentTenant);
      expect(after.rows[0]?.tenant).toBeNull();
      const visible = await single.db.execute(sql`select count(*)::int as n from private_indicators`);
      expect(visible.rows[0]?.n).toBe(0);
    } finally {
      await single.end();
    }
  });

  it("commits what fn wrote and rolls everything back when fn throws", async () => {
    const kept = newId("privateIndicator");
    const dropped = newId("privateIndicator");
    const row = (id: string) => ({ id, tenantId: tree.clientAId, type: "domain", value: `${id}.example` });
    await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
      tx.insert(privateIndicators).values(row(kept)),
    );
    await expect(
      withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, async (tx) => {
        await tx.insert(privateIndicators).values(row(dropped));
        throw new AppError("CONFLICT", "changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const ids = await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
      tx
        .select({ id: privateIndicators.id })
        .from(privateIndicators)
        .where(eq(privateIndicators.tenantId, tree.clientAId)),
    );
    expect(ids.map((r) => r.id)).toContain(kept);
    expect(ids.map((r) => r.id)).not.toContain(dropped);
  });

  it("reuses an outer transaction of the same tenant instead of opening another", async () => {
    const id = newId("privateIndicator");
    await expect(
      withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, async (outer) => {
        const outerPid = await outer.execute(sql`select pg_backend_pid() as pid, txid_current() as txid`);
        const innerPid = await withTenantTx(
          { db: dbs.app.db, tenantId: tree.clientAId, tx: outer },
          async (inner) => {
            await inner
              .insert(privateIndicators)
              .values({ id, tenantId: tree.clientAId, type: "domain", value: `${id}.example` });
            return inner.execute(sql`select pg_backend_pid() as pid, txid_current() as txid`);
          },
        );
        expect(innerPid.rows[0]).toEqual(outerPid.rows[0]);
        throw new Error("roll back the outer transaction");
      }),
    ).rejects.toThrow("roll back");
    const { rows } = await dbs.admin.pool.query("select 1 from private_indicators where id = $1", [id]);
    expect(rows).toHaveLength(0);
  });

  it("refuses to reuse an outer transaction of another tenant, scope or role", async () => {
    await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, async (outer) => {
      await expect(
        withTenantTx({ db: dbs.app.db, tenantId: tree.clientBId, tx: outer }, async () => "leak"),
      ).rejects.toThrow(AppError);
      await expect(
        withTenantTx(
          { db: dbs.app.db, tenantId: tree.clientAId, scope: "overview", tx: outer },
          async () => "wider",
        ),
      ).rejects.toThrow(AppError);
      await expect(withIngestTx({ db: dbs.ingest.db, tx: outer }, async () => "ingest")).rejects.toThrow(
        AppError,
      );
    });
  });

  it("shares one snapshot between read transactions of the same tenant, and takes only a real snapshot id", async () => {
    const seen = sql`select pg_current_snapshot()::text as snapshot, current_setting('app.tenant_id') as tenant,
      current_setting('transaction_isolation') as isolation, current_setting('transaction_read_only') as read_only`;
    await withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId, readSnapshot: {} }, async (tx) => {
      const exported = await tx.execute<{ id: string }>(sql`select pg_export_snapshot() as id`);
      const id = exported.rows[0]?.id ?? "";
      const first = (await tx.execute(seen)).rows[0];
      // Another transaction takes an id and commits meanwhile (a fresh snapshot would differ); the importing
      // one still sees the exporter's snapshot.
      await withTenantTx({ db: dbs.app.db, tenantId: tree.clientBId }, (other) =>
        other.execute(sql`select pg_current_xact_id()`),
      );
      const second = await withTenantTx(
        { db: dbs.app.db, tenantId: tree.clientAId, readSnapshot: { snapshot: id } },
        async (imported) => (await imported.execute(seen)).rows[0],
      );
      expect(first?.isolation).toBe("repeatable read");
      expect(second).toEqual(first);
      expect(second?.tenant).toBe(tree.clientAId);
      expect(second?.read_only).toBe("on");
    });
    await expect(
      withTenantTx(
        { db: dbs.app.db, tenantId: tree.clientAId, readSnapshot: { snapshot: "1'; select 1; --" } },
        () => Promise.resolve(1),
      ),
    ).rejects.toThrow(AppError);
  });

  it("refuses a tenant id that is not a tenant id (it must come from the actor, not input)", async () => {
    await expect(withTenantTx({ db: dbs.app.db, tenantId: "' or 1=1 --" }, async () => "x")).rejects.toThrow(
      AppError,
    );
    await expect(withTenantTx({ db: dbs.app.db, tenantId: "" }, async () => "x")).rejects.toThrow(AppError);
  });
});
