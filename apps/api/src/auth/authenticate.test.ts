import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  createTestToken,
  createTestUser,
  signInTestUser,
  testOrigin,
} from "../testing/identity.ts";

let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTestTenantTree("authn");
});
afterAll(() => tree.cleanup());

interface Me {
  actor: { kind: string; userId?: string; tokenId?: string; role?: string; scopes?: string[] };
  tenant: { tenantId: string; msspId: string | null };
  authentication: string;
  mfa: string | null;
}

async function errorCode(response: Response): Promise<string> {
  const body = await response.json<{ error: { code: string; requestId: string } }>();
  expect(body.error.requestId).toMatch(/^req_/);
  return body.error.code;
}

describe("authentication by API token", () => {
  it("accepts a Bearer token and acts in the token's tenant with its scopes", async () => {
    const { tokenId, authorization } = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
    });
    const response = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
    expect(response.status).toBe(200);
    const me = await response.json<Me>();
    expect(me.actor).toEqual({
      kind: "token",
      tokenId,
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
    });
    expect(me.tenant).toEqual({ tenantId: tree.clientAId, msspId: tree.msspId });
    expect(response.headers.get("RateLimit-Remaining")).toMatch(/^\d+$/);
  });

  it("reports where the request's time went as Server-Timing phases (outside production)", async () => {
    const { authorization } = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
    });
    const response = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
    expect(response.status).toBe(200);
    const phases = (response.headers.get("server-timing") ?? "")
      .split(",")
      .map((entry) => entry.trim().split(";")[0]);
    expect(phases).toEqual(expect.arrayContaining(["auth", "rate-limit", "handler", "total"]));
    // The token is verified over the driver's one-round-trip HTTP endpoint: no database session is opened.
    expect(phases).not.toContain("db-connect");
  });

  it("accepts HTTP Basic with the token as password (TAXII clients)", async () => {
    const { tokenId, token } = await createTestToken({ tenantId: tree.clientAId, scopes: ["exports:read"] });
    const response = await apiFetch("/api/v1/auth/me", {
      headers: { authorization: `Basic ${btoa(`taxii:${token}`)}` },
    });
    expect(response.status).toBe(200);
    expect((await response.json<Me>()).actor.tokenId).toBe(tokenId);
  });

  it("answers 401 for a missing, malformed, unknown or tampered token", async () => {
    expect(await errorCode(await apiFetch("/api/v1/auth/me"))).toBe("UNAUTHORIZED");
    const { token } = await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] });
    for (const authorization of [
      "Bearer nope",
      "Token abc",
      `Bearer ${token.slice(0, -1)}${token.endsWith("x") ? "y" : "x"}`,
      "Basic !!!",
    ]) {
      const response = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
      expect(await errorCode(response)).toBe("UNAUTHORIZED");
    }
    // A well-formed token (valid checksum) whose row does not exist.
    const other = await createTestToken({ tenantId: tree.clientAId, scopes: [] });
    await adminQuery("delete from api_tokens where id = $1", [other.tokenId]);
    expect(
      (await apiFetch("/api/v1/auth/me", { headers: { authorization: other.authorization } })).status,
    ).toBe(401);
  });

  it("refuses expired and revoked tokens", async () => {
    const expired = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
      expiresAt: new Date(Date.now() - 1000),
    });
    const revoked = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
      revoked: true,
    });
    for (const { authorization } of [expired, revoked]) {
      const response = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
      expect(response.status).toBe(401);
    }
  });

  it("enforces the token's IP allowlist and records the last address", async () => {
    const pinned = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
      ipAllowlist: ["203.0.113.0/24"],
    });
    const outside = await apiFetch("/api/v1/auth/me", {
      headers: { authorization: pinned.authorization, "cf-connecting-ip": "198.51.100.7" },
    });
    expect(outside.status).toBe(403);
    const unknown = await apiFetch("/api/v1/auth/me", { headers: { authorization: pinned.authorization } });
    expect(unknown.status).toBe(403);
    const inside = await apiFetch("/api/v1/auth/me", {
      headers: { authorization: pinned.authorization, "cf-connecting-ip": "203.0.113.9" },
    });
    expect(inside.status).toBe(200);
    const [row] = await adminQuery<{ last_used_ip: string; last_used_at: Date | null }>(
      "select host(last_used_ip) as last_used_ip, last_used_at from api_tokens where id = $1",
      [pinned.tokenId],
    );
    expect(row?.last_used_ip).toBe("203.0.113.9");
    expect(row?.last_used_at).not.toBeNull();
  });

  it("stops a token the moment its tenant is suspended", async () => {
    const localTree = await createTestTenantTree("authn-suspend");
    try {
      const { authorization } = await createTestToken({
        tenantId: localTree.clientAId,
        scopes: ["indicators:read"],
      });
      expect((await apiFetch("/api/v1/auth/me", { headers: { authorization } })).status).toBe(200);
      await adminQuery("update tenants set suspended_at = now() where id = $1", [localTree.clientAId]);
      expect((await apiFetch("/api/v1/auth/me", { headers: { authorization } })).status).toBe(403);
    } finally {
      await localTree.cleanup();
    }
  });

  it("rate-limits per token with 429 and Retry-After", async () => {
    const localTree = await createTestTenantTree("authn-rate");
    try {
      await adminQuery(
        `update tenants set settings = '{"rateLimits": {"perToken": {"perMinute": 2}}}' where id = $1`,
        [localTree.clientAId],
      );
      const { authorization } = await createTestToken({
        tenantId: localTree.clientAId,
        scopes: ["indicators:read"],
      });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last?.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(await errorCode(last as Response)).toBe("RATE_LIMITED");
      // Another token of the same tenant has its own budget.
      const other = await createTestToken({ tenantId: localTree.clientAId, scopes: ["indicators:read"] });
      expect(
        (await apiFetch("/api/v1/auth/me", { headers: { authorization: other.authorization } })).status,
      ).toBe(200);
    } finally {
      await localTree.cleanup();
    }
  });

  it("never lets a token switch tenant", async () => {
    const { authorization } = await createTestToken({ tenantId: tree.msspId, scopes: ["indicators:read"] });
    const response = await apiFetch("/api/v1/auth/me", {
      headers: { authorization, "x-tf-tenant": tree.clientAId },
    });
    expect(response.status).toBe(404);
  });
});

describe("authentication by session cookie", () => {
  it("acts as the signed-in user in their tenant", async () => {
    const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    const response = await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } });
    expect(response.status).toBe(200);
    const me = await response.json<Me>();
    expect(me.actor).toMatchObject({ kind: "user", userId: tree.userIds.clientA, role: "tenant_admin" });
    expect(me.tenant.tenantId).toBe(tree.clientAId);
    expect(me.mfa).toBe("not_required");
  });

  it("refuses a state-changing request without our Origin (CSRF), and accepts it with", async () => {
    const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    const noOrigin = await apiFetch("/api/v1/auth/sign-out", {
      method: "POST",
      headers: { cookie: session.cookie },
    });
    expect(noOrigin.status).toBe(403);
    expect(await errorCode(noOrigin)).toBe("CSRF_REJECTED");
    const foreign = await apiFetch("/api/v1/auth/sign-out", {
      method: "POST",
      headers: { cookie: session.cookie, origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    const same = await apiFetch("/api/v1/auth/sign-out", { method: "POST", headers: session.headers });
    expect(same.status).toBe(204);
    expect(same.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } });
    expect(after.status).toBe(401);
  });

  it("ends a session idle beyond the inactivity timeout and clears its cookie", async () => {
    const session = await signInTestUser({
      userId: tree.userIds.clientA,
      tenantId: tree.clientAId,
      lastSeenAt: new Date(Date.now() - 4 * 24 * 3600 * 1000),
    });
    const response = await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } });
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(await adminQuery("select 1 from sessions where id = $1", [session.sessionId])).toEqual([]);
  });

  it("refreshes activity at most once per interval and slides the cookie then", async () => {
    const stale = await signInTestUser({
      userId: tree.userIds.clientA,
      tenantId: tree.clientAId,
      lastSeenAt: new Date(Date.now() - 2 * 3600 * 1000),
    });
    const first = await apiFetch("/api/v1/auth/me", { headers: { cookie: stale.cookie } });
    expect(first.headers.get("set-cookie")).toContain(stale.cookie.split("=")[1]);
    const second = await apiFetch("/api/v1/auth/me", { headers: { cookie: stale.cookie } });
    expect(second.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a session with a wrong secret for a real session id", async () => {
    const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    const forged = `${session.cookie.slice(0, -4)}aaaa`;
    const response = await apiFetch("/api/v1/auth/me", { headers: { cookie: forged } });
    expect(response.status).toBe(401);
  });

  it("stops a session when the membership is removed", async () => {
    const user = await createTestUser({ tenantId: tree.clientAId, role: "analyst" });
    const session = await signInTestUser({ userId: user.userId, tenantId: tree.clientAId });
    expect((await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } })).status).toBe(200);
    await adminQuery("delete from memberships where user_id = $1", [user.userId]);
    expect((await apiFetch("/api/v1/auth/me", { headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it("lets MSSP staff act in their own clients, and answers 404 for any other tenant", async () => {
    const session = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    const inClient = await apiFetch("/api/v1/auth/me", {
      headers: { cookie: session.cookie, "x-tf-tenant": tree.clientBId },
    });
    expect((await inClient.json<Me>()).tenant).toEqual({ tenantId: tree.clientBId, msspId: tree.msspId });
    const otherTree = await createTestTenantTree("authn-other");
    try {
      for (const target of [
        otherTree.clientAId,
        otherTree.msspId,
        "tnt_00000000000000000000000000",
        "junk",
      ]) {
        const response = await apiFetch("/api/v1/auth/me", {
          headers: { cookie: session.cookie, "x-tf-tenant": target },
        });
        expect(response.status, target).toBe(404);
      }
    } finally {
      await otherTree.cleanup();
    }
  });

  it("keeps a client user inside their own tenant", async () => {
    const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    for (const target of [tree.clientBId, tree.msspId]) {
      const response = await apiFetch("/api/v1/auth/me", {
        headers: { cookie: session.cookie, "x-tf-tenant": target },
      });
      expect(response.status).toBe(404);
    }
  });

  it("lets the Authorization header win over the cookie, and never falls back to the cookie", async () => {
    const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
    const response = await apiFetch("/api/v1/auth/me", {
      headers: { cookie: session.cookie, authorization: "Bearer not-a-token", origin: testOrigin },
    });
    expect(response.status).toBe(401);
  });
});
