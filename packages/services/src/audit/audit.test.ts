import { createLogger } from "@threatfusion/core";
import { withTenantTx } from "@threatfusion/db";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ServiceContext } from "../context.ts";
import { appendAudit } from "./append.ts";
import { listAudit, verifyAudit } from "./read.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "audit-svc");
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

function adminOf(tenantId: string, userId: string, role: "tenant_admin" | "mssp_admin"): ServiceContext {
  return {
    db: dbs.app.db,
    actor: { kind: "user", userId, role, tenantId, msspId: tree.msspId },
    tenant: { tenantId, msspId: tree.msspId },
    requestId: "req_test",
    logger: createLogger({}, "error"),
    now: () => new Date(),
  };
}

describe("the audit chain", () => {
  it("stays one gap-free chain under concurrent appends, and verifies", async () => {
    const tenantId = tree.clientAId;
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        withTenantTx({ db: dbs.app.db, tenantId }, (tx) =>
          appendAudit(tx, {
            tenantId,
            action: "test.concurrent",
            details: { index },
            ip: "192.0.2.10",
            at: new Date(),
          }),
        ),
      ),
    );
    const ctx = adminOf(tenantId, tree.userIds.clientA, "tenant_admin");
    const entries = await listAudit({ ctx, input: { tenantId, limit: 100 } });
    expect(entries.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(entries[0]?.ip).toBe("192.0.2.10");
    expect(await verifyAudit({ ctx, input: { tenantId } })).toMatchObject({ ok: true, entries: 12 });
  });

  it("keeps tenant A's log out of tenant B's reach, and lets the MSSP read its client's", async () => {
    const tenantId = tree.clientAId;
    const sibling = adminOf(tree.clientBId, tree.userIds.clientB, "tenant_admin");
    await expect(listAudit({ ctx: sibling, input: { tenantId, limit: 10 } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const mssp = adminOf(tree.msspId, tree.userIds.mssp, "mssp_admin");
    expect((await listAudit({ ctx: mssp, input: { tenantId, limit: 10 } })).length).toBeGreaterThan(0);
  });

  it("refuses an append for another tenant than the transaction's", async () => {
    await expect(
      withTenantTx({ db: dbs.app.db, tenantId: tree.clientAId }, (tx) =>
        appendAudit(tx, { tenantId: tree.clientBId, action: "test.forged", at: new Date() }),
      ),
    ).rejects.toThrow();
  });
});
