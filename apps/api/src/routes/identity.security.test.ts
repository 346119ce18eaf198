// Attacks on identity, tenancy and the audit log, through the real API in workerd against real Postgres.
import { newId } from "@threatfusion/core";
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

let one: TestTenantTree;
let two: TestTenantTree;
let foreignTokenId = "";

beforeAll(async () => {
  one = await createTestTenantTree("sec-one");
  two = await createTestTenantTree("sec-two");
  foreignTokenId = (await createTestToken({ tenantId: two.clientAId, scopes: ["indicators:read"] })).tokenId;
});
afterAll(async () => {
  await one.cleanup();
  await two.cleanup();
});

async function codeOf(response: Response): Promise<string> {
  const body = await response.json<{ error?: { code: string } }>();
  return body.error?.code ?? "none";
}

/** Every identity route that names a tenant, a member or a token by id, with a body where it needs one. */
function routesAgainst(ids: { tenantId: string; userId: string; tokenId: string }) {
  const t = ids.tenantId;
  return [
    { method: "GET", path: `/api/v1/tenants/${t}` },
    { method: "PATCH", path: `/api/v1/tenants/${t}`, json: { name: "owned" } },
    { method: "POST", path: `/api/v1/tenants/${t}/suspension` },
    { method: "POST", path: `/api/v1/tenants/${t}/resumption` },
    { method: "DELETE", path: `/api/v1/tenants/${t}`, json: { confirmSlug: "x", dataExported: true } },
    { method: "GET", path: `/api/v1/tenants/${t}/invitations` },
    { method: "DELETE", path: `/api/v1/tenants/${t}/invitations/${newId("invitation")}` },
    {
      method: "POST",
      path: `/api/v1/tenants/${t}/invitations`,
      json: { email: "x@evil.example", role: "viewer" },
    },
    { method: "GET", path: `/api/v1/tenants/${t}/users` },
    { method: "PATCH", path: `/api/v1/tenants/${t}/users/${ids.userId}`, json: { role: "viewer" } },
    { method: "DELETE", path: `/api/v1/tenants/${t}/users/${ids.userId}` },
    { method: "GET", path: `/api/v1/tenants/${t}/audit` },
    { method: "GET", path: `/api/v1/tenants/${t}/audit/export` },
    { method: "GET", path: `/api/v1/tenants/${t}/audit/verification` },
    { method: "DELETE", path: `/api/v1/tokens/${ids.tokenId}` },
  ];
}

describe("cross-tenant access through every identity route", () => {
  it("answers a client admin's session 404 for a sibling's, its MSSP's and another MSSP's resources", async () => {
    const session = await signInTestUser({ userId: one.userIds.clientA, tenantId: one.clientAId });
    const targets = [
      { tenantId: one.clientBId, userId: one.userIds.clientB, tokenId: foreignTokenId },
      { tenantId: one.msspId, userId: one.userIds.mssp, tokenId: foreignTokenId },
      { tenantId: two.clientAId, userId: two.userIds.clientA, tokenId: foreignTokenId },
      { tenantId: two.msspId, userId: two.userIds.mssp, tokenId: foreignTokenId },
    ];
    for (const target of targets) {
      for (const route of routesAgainst(target)) {
        const response = await apiFetch(route.path, {
          method: route.method,
          headers: session.headers,
          json: route.json,
        });
        expect([route.method, route.path, response.status]).toEqual([route.method, route.path, 404]);
      }
    }
    const [sibling] = await adminQuery<{ suspended_at: Date | null; name: string }>(
      "select suspended_at, name from tenants where id = $1",
      [one.clientBId],
    );
    expect(sibling).toMatchObject({ suspended_at: null });
    expect(sibling?.name).not.toBe("owned");
  }, 180_000);

  it("answers an MSSP admin's session 404 for another MSSP's clients", async () => {
    const session = await signInTestUser({ userId: one.userIds.mssp, tenantId: one.msspId });
    for (const route of routesAgainst({
      tenantId: two.clientAId,
      userId: two.userIds.clientA,
      tokenId: foreignTokenId,
    })) {
      const response = await apiFetch(route.path, {
        method: route.method,
        headers: session.headers,
        json: route.json,
      });
      expect([route.path, response.status]).toEqual([route.path, 404]);
    }
  }, 90_000);

  it("answers an admin-scoped token of another tenant 404, exactly as for an id that does not exist", async () => {
    const { authorization } = await createTestToken({
      tenantId: one.clientAId,
      scopes: ["admin", "indicators:read"],
    });
    const nowhere = { tenantId: newId("tenant"), userId: newId("user"), tokenId: newId("apiToken") };
    const foreign = { tenantId: two.clientAId, userId: two.userIds.clientA, tokenId: foreignTokenId };
    const nowhereRoutes = routesAgainst(nowhere);
    const foreignRoutes = routesAgainst(foreign);
    for (const [index, route] of foreignRoutes.entries()) {
      const response = await apiFetch(route.path, {
        method: route.method,
        headers: { authorization },
        json: route.json,
      });
      const control = nowhereRoutes[index];
      const baseline = control
        ? await apiFetch(control.path, {
            method: control.method,
            headers: { authorization },
            json: control.json,
          })
        : undefined;
      expect([route.path, response.status]).toEqual([route.path, 404]);
      // Indistinguishable from an id that does not exist: nothing confirms the foreign resource.
      expect([route.path, response.status]).toEqual([route.path, baseline?.status]);
    }
    const [token] = await adminQuery<{ revoked_at: Date | null }>(
      "select revoked_at from api_tokens where id = $1",
      [foreignTokenId],
    );
    expect(token?.revoked_at).toBeNull();
  }, 120_000);

  it("never lists a sibling or another MSSP's tenant to a client admin", async () => {
    const session = await signInTestUser({ userId: one.userIds.clientA, tenantId: one.clientAId });
    const response = await apiFetch("/api/v1/tenants", { headers: { cookie: session.cookie } });
    const body = await response.json<{ tenant: { id: string }; children: unknown[] }>();
    expect(body.tenant.id).toBe(one.clientAId);
    expect(body.children).toEqual([]);
  });
});

describe("privilege escalation by a tenant admin", () => {
  it("cannot invite or promote anyone to MSSP or platform roles, nor lift MSSP-set policy", async () => {
    const session = await signInTestUser({ userId: one.userIds.clientA, tenantId: one.clientAId });
    for (const role of ["mssp_admin", "mssp_analyst", "platform_admin"]) {
      const invite = await apiFetch(`/api/v1/tenants/${one.clientAId}/invitations`, {
        method: "POST",
        headers: session.headers,
        json: { email: `${role}@evil.example`, role },
      });
      expect([role, invite.status]).toEqual([role, 403]);
    }
    const analyst = await createTestUser({ tenantId: one.clientAId, role: "analyst" });
    for (const role of ["mssp_admin", "platform_admin"]) {
      const promote = await apiFetch(`/api/v1/tenants/${one.clientAId}/users/${analyst.userId}`, {
        method: "PATCH",
        headers: session.headers,
        json: { role },
      });
      expect(promote.status).toBe(403);
    }
    const self = await apiFetch(`/api/v1/tenants/${one.clientAId}/users/${one.userIds.clientA}`, {
      method: "PATCH",
      headers: session.headers,
      json: { role: "viewer" },
    });
    expect(self.status).toBe(403);
    for (const json of [
      { requireMfa: false },
      { quotas: { users: 10_000 } },
      { customDomain: "evil.example" },
    ]) {
      const update = await apiFetch(`/api/v1/tenants/${one.clientAId}`, {
        method: "PATCH",
        headers: session.headers,
        json,
      });
      expect(update.status).toBe(403);
    }
    const [row] = await adminQuery<{ role: string }>("select role from memberships where user_id = $1", [
      analyst.userId,
    ]);
    expect(row?.role).toBe("analyst");
  });

  it("cannot mint a token with more scopes than the role allows, and tokens cannot mint tokens", async () => {
    const viewer = await createTestUser({ tenantId: one.clientAId, role: "viewer" });
    const session = await signInTestUser({ userId: viewer.userId, tenantId: one.clientAId });
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const tooMuch = await apiFetch("/api/v1/tokens", {
      method: "POST",
      headers: session.headers,
      json: { name: "x", scopes: ["indicators:write"], expiresAt },
    });
    expect(tooMuch.status).toBe(403);
    const { authorization } = await createTestToken({ tenantId: one.clientAId, scopes: ["admin"] });
    const byToken = await apiFetch("/api/v1/tokens", {
      method: "POST",
      headers: { authorization },
      json: { name: "x", scopes: ["indicators:read"], expiresAt },
    });
    expect(byToken.status).toBe(403);
  });

  it("drops a personal token's scopes that its owner's current role no longer allows", async () => {
    const analyst = await createTestUser({ tenantId: one.clientAId, role: "analyst" });
    const { authorization } = await createTestToken({
      tenantId: one.clientAId,
      userId: analyst.userId,
      scopes: ["indicators:read", "indicators:write"],
    });
    await adminQuery("update memberships set role = 'viewer' where user_id = $1", [analyst.userId]);
    const me = await apiFetch("/api/v1/auth/me", { headers: { authorization } });
    expect((await me.json<{ actor: { scopes: string[] } }>()).actor.scopes).toEqual(["indicators:read"]);
  });
});

describe("tokens that must not work", () => {
  it("refuses wrong-scope use with 403 and wrong-IP use with 403", async () => {
    const reader = await createTestToken({ tenantId: one.clientAId, scopes: ["indicators:read"] });
    const write = await apiFetch("/api/v1/tokens", { headers: { authorization: reader.authorization } });
    expect(write.status).toBe(403);
    const pinned = await createTestToken({
      tenantId: one.clientAId,
      scopes: ["admin"],
      ipAllowlist: ["10.0.0.0/8"],
    });
    const wrongIp = await apiFetch("/api/v1/tokens", {
      headers: { authorization: pinned.authorization, "cf-connecting-ip": "192.0.2.1" },
    });
    expect(wrongIp.status).toBe(403);
  });

  it("stops a token on the request right after its revocation", async () => {
    const { authorization, tokenId } = await createTestToken({ tenantId: one.clientAId, scopes: ["admin"] });
    expect((await apiFetch("/api/v1/tokens", { headers: { authorization } })).status).toBe(200);
    const session = await signInTestUser({ userId: one.userIds.clientA, tenantId: one.clientAId });
    expect(
      (await apiFetch(`/api/v1/tokens/${tokenId}`, { method: "DELETE", headers: session.headers })).status,
    ).toBe(204);
    expect((await apiFetch("/api/v1/tokens", { headers: { authorization } })).status).toBe(401);
  });
});

describe("sign-in attacks", () => {
  it("throttles, then locks an account under brute force, even for the right password", async () => {
    const user = await createTestUser({
      tenantId: one.clientAId,
      role: "analyst",
      password: "the right passphrase",
    });
    const attempt = (password: string) =>
      apiFetch("/api/v1/auth/sign-in", {
        method: "POST",
        headers: { origin: testOrigin },
        json: { email: user.email, password },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await attempt(`wrong guess ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    // Six failures just now: the next try must wait (exponential backoff), whatever the password.
    const key = `account:${await sha256(user.email.toLowerCase())}`;
    await adminQuery("update login_attempts set failures = 6, last_failure_at = now() where key = $1", [key]);
    const waiting = await attempt("the right passphrase");
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    // Nine failures two minutes ago: the tenth locks the account.
    await adminQuery(
      "update login_attempts set failures = 9, last_failure_at = now() - interval '2 minutes' where key = $1",
      [key],
    );
    expect((await attempt("one more guess")).status).toBe(401);
    const locked = await attempt("the right passphrase");
    expect(locked.status).toBe(423);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(60);
    const [audit] = await adminQuery<{ n: number }>(
      "select count(*)::int as n from audit_log where tenant_id = $1 and action = 'session.sign_in_failed' and actor_user_id = $2",
      [one.clientAId, user.userId],
    );
    expect(audit?.n).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("answers unknown e-mail addresses exactly like wrong passwords", async () => {
    const response = await apiFetch("/api/v1/auth/sign-in", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { email: `${newId("user")}@nowhere.example`, password: "whatever it is" },
    });
    expect(response.status).toBe(401);
    expect((await response.json<{ error: { message: string } }>()).error.message).toBe(
      "The e-mail address or the password is wrong",
    );
  });

  it("refuses a cross-site sign-in (login CSRF) and a cookie request without Origin", async () => {
    const user = await createTestUser({
      tenantId: one.clientAId,
      role: "viewer",
      password: "another passphrase",
    });
    const crossSite = await apiFetch("/api/v1/auth/sign-in", {
      method: "POST",
      headers: { origin: "https://evil.example" },
      json: { email: user.email, password: "another passphrase" },
    });
    expect(crossSite.status).toBe(403);
    const session = await signInTestUser({ userId: user.userId, tenantId: one.clientAId });
    const noOrigin = await apiFetch("/api/v1/tokens", {
      method: "POST",
      headers: { cookie: session.cookie },
      json: {
        name: "x",
        scopes: ["indicators:read"],
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(await codeOf(noOrigin)).toBe("CSRF_REJECTED");
  });

  it("never keeps a session planted before sign-in (session fixation)", async () => {
    const attacker = await createTestUser({ tenantId: two.clientAId, role: "viewer" });
    const planted = await signInTestUser({ userId: attacker.userId, tenantId: two.clientAId });
    const victim = await createTestUser({
      tenantId: one.clientAId,
      role: "analyst",
      password: "victim passphrase",
    });
    const response = await apiFetch("/api/v1/auth/sign-in", {
      method: "POST",
      headers: { origin: testOrigin, cookie: planted.cookie },
      json: { email: victim.email, password: "victim passphrase" },
    });
    expect(response.status).toBe(200);
    const issued = /tf_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
    expect(issued).toBeDefined();
    expect(`tf_session=${issued}`).not.toBe(planted.cookie);
    const plantedNow = await apiFetch("/api/v1/auth/me", { headers: { cookie: planted.cookie } });
    expect(plantedNow.status).toBe(401);
  });
});

describe("the audit log", () => {
  it("detects an entry changed behind the application's back", async () => {
    const tree = await createTestTenantTree("sec-audit");
    try {
      const session = await signInTestUser({ userId: tree.userIds.clientA, tenantId: tree.clientAId });
      for (const name of ["first", "second", "third"]) {
        await apiFetch(`/api/v1/tenants/${tree.clientAId}`, {
          method: "PATCH",
          headers: session.headers,
          json: { name },
        });
      }
      const ok = await apiFetch(`/api/v1/tenants/${tree.clientAId}/audit/verification`, {
        headers: session.headers,
      });
      expect(await ok.json()).toMatchObject({ ok: true, entries: 3 });
      // Only an operator with the owner role can even try: the append-only trigger must be disabled first.
      await adminQuery(`
        begin;
        alter table audit_log disable trigger audit_log_append_only;
        update audit_log set details = '{"fields": ["nothing"]}' where tenant_id = '${tree.clientAId}' and seq = 2;
        alter table audit_log enable trigger audit_log_append_only;
        commit;`);
      const broken = await apiFetch(`/api/v1/tenants/${tree.clientAId}/audit/verification`, {
        headers: session.headers,
      });
      expect(await broken.json()).toMatchObject({ ok: false, brokenAtSeq: 2, reason: "hash_mismatch" });
    } finally {
      await tree.cleanup();
    }
  });

  it("refuses the application any change or removal of audit rows", async () => {
    await expect(
      adminQuery(`update audit_log set action = 'x.y' where tenant_id = '${one.clientAId}'`),
    ).rejects.toThrow(/append-only/);
  });
});

describe("bad input", () => {
  it("answers malformed and hostile input with the error envelope, never a 500", async () => {
    const session = await signInTestUser({ userId: one.userIds.mssp, tenantId: one.msspId });
    const bodies: (string | undefined)[] = [
      "{",
      "[]",
      "null",
      '{"name": 5}',
      `{"email": "${"a".repeat(5000)}"}`,
      undefined,
    ];
    const routes = [
      ["POST", "/api/v1/auth/sign-in"],
      ["POST", "/api/v1/auth/mfa/verify"],
      ["POST", "/api/v1/auth/totp/confirmation"],
      ["POST", "/api/v1/invitations/acceptance"],
      ["POST", "/api/v1/tenants"],
      ["PATCH", `/api/v1/tenants/${one.clientAId}`],
      ["POST", `/api/v1/tenants/${one.clientAId}/invitations`],
      ["PATCH", `/api/v1/tenants/${one.clientAId}/users/${one.userIds.clientA}`],
      ["DELETE", `/api/v1/tenants/${one.clientBId}`],
      ["POST", "/api/v1/tokens"],
      ["GET", `/api/v1/tenants/${one.clientAId}/audit?limit=-5&beforeSeq=abc`],
      ["GET", "/api/v1/tenants/%00%27%3B--/audit"],
      ["GET", `/api/v1/branding?host=${"x".repeat(300)}`],
    ] as const;
    for (const [method, path] of routes) {
      for (const body of method === "GET" ? [undefined] : bodies) {
        const response = await apiFetch(path, {
          method,
          headers: { ...session.headers, "content-type": "application/json" },
          body,
        });
        expect([method, path, body?.slice(0, 20), response.status < 500]).toEqual([
          method,
          path,
          body?.slice(0, 20),
          true,
        ]);
        if (response.status >= 400) {
          const envelope = await response.json<{ error: { code: string; requestId: string } }>();
          expect(envelope.error.requestId).toMatch(/^req_/);
        }
      }
    }
  }, 180_000);
});

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
