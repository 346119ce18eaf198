// POST /api/v1/auth/acting-tenant: MSSP staff switch their session into one of their own clients and back.
// The acting tenant then comes from the session on later requests (no header); both audit logs record it.
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  createTestToken,
  signInTestUser,
  type TestSession,
} from "../../testing/identity.ts";

interface Me {
  tenant: { tenantId: string };
  user: { id: string; email: string; displayName: string | null } | null;
  homeTenant: { id: string; name: string; kind: string } | null;
  actingTenant: { id: string; name: string; kind: string } | null;
}

let tree: TestTenantTree;
let otherTree: TestTenantTree;

beforeAll(async () => {
  tree = await createTestTenantTree("switch");
  otherTree = await createTestTenantTree("switch-other");
  await adminQuery("update users set display_name = 'Morgan MSSP' where id = $1", [tree.userIds.mssp]);
}, 120_000);
afterAll(async () => {
  await tree.cleanup();
  await otherTree.cleanup();
});

async function me(session: TestSession): Promise<Me> {
  const response = await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } });
  expect(response.status).toBe(200);
  return response.json<Me>();
}

function switchTo(session: TestSession, tenantId: string | null): Promise<Response> {
  return apiFetch("/api/v1/auth/acting-tenant", {
    method: "POST",
    headers: session.headers,
    json: { tenantId },
  });
}

async function auditActions(tenantId: string): Promise<string[]> {
  const rows = await adminQuery<{ action: string }>(
    "select action from audit_log where tenant_id = $1 and action like 'session.%' order by seq",
    [tenantId],
  );
  return rows.map((row) => row.action);
}

describe("GET /auth/me", { timeout: 60_000 }, () => {
  it("names the signed-in person and their tenant", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    const body = await me(session);
    expect(body.user).toMatchObject({ id: tree.userIds.mssp, displayName: "Morgan MSSP" });
    expect(body.user?.email).toContain("@");
    expect(body.homeTenant).toMatchObject({ id: tree.msspId, kind: "mssp" });
    expect(body.actingTenant).toBeNull();
  });

  it("answers an API token with its tenant and no personal names", async () => {
    const token = await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] });
    const response = await apiFetch("/api/v1/auth/me", { headers: { authorization: token.authorization } });
    expect(await response.json()).toMatchObject({
      tenant: { tenantId: tree.clientAId },
      user: null,
      homeTenant: null,
      actingTenant: null,
    });
  });
});

describe("switching into a client", { timeout: 60_000 }, () => {
  it("acts in the client on later requests without any header, and returns", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    const switched = await switchTo(session, tree.clientAId);
    expect(switched.status).toBe(200);
    expect(await switched.json()).toMatchObject({
      actingTenant: { id: tree.clientAId, kind: "client" },
      homeTenant: { id: tree.msspId },
    });
    const inside = await me(session);
    expect(inside.tenant.tenantId).toBe(tree.clientAId);
    expect(inside.actingTenant?.id).toBe(tree.clientAId);
    expect(inside.homeTenant?.id).toBe(tree.msspId);

    const back = await switchTo(session, null);
    expect(back.status).toBe(200);
    expect((await me(session)).tenant.tenantId).toBe(tree.msspId);
  });

  it("writes the switch into both the MSSP's and the client's audit log", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    expect((await switchTo(session, tree.clientBId)).status).toBe(200);
    expect((await switchTo(session, null)).status).toBe(200);
    expect(await auditActions(tree.msspId)).toEqual(
      expect.arrayContaining(["session.switched_in", "session.switched_out"]),
    );
    expect(await auditActions(tree.clientBId)).toEqual(["session.mssp_entered", "session.mssp_left"]);
  });
});

describe("switching is confined to the MSSP's own clients", { timeout: 60_000 }, () => {
  it("answers 404 for another MSSP's client and leaves the session where it was", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    const refused = await switchTo(session, otherTree.clientAId);
    expect(refused.status).toBe(404);
    expect((await me(session)).tenant.tenantId).toBe(tree.msspId);
    expect(await auditActions(otherTree.clientAId)).toEqual([]);
  });

  it("answers 404 for another MSSP itself", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    expect((await switchTo(session, otherTree.msspId)).status).toBe(404);
  });

  it("refuses client users and API tokens", async () => {
    const client = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    expect((await switchTo(client, tree.clientBId)).status).toBe(403);
    const token = await createTestToken({ tenantId: tree.msspId, scopes: ["admin"] });
    const byToken = await apiFetch("/api/v1/auth/acting-tenant", {
      method: "POST",
      headers: { authorization: token.authorization },
      json: { tenantId: tree.clientAId },
    });
    expect(byToken.status).toBe(403);
  });

  it("falls back to the home tenant when the stored client is no longer in reach", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    // A session row naming another MSSP's client (as if the database were tampered with) is not honoured.
    await adminQuery("update sessions set acting_tenant_id = $1 where id = $2", [
      otherTree.clientAId,
      session.sessionId,
    ]);
    const body = await me(session);
    expect(body.tenant.tenantId).toBe(tree.msspId);
    expect(body.actingTenant).toBeNull();
  });
});
